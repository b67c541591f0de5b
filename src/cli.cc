#include "cli.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "file_util.h"
#include "log.h"

namespace cfm {

std::optional<int> PrepareCommand(unsigned mask,
                                  const std::vector<std::string>& args,
                                  Settings* settings) {
  const Command& info = CommandByMask(mask);
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::printf(
          "Usage: cfmigrate %s [--env-file FILE] [settings]\n\n%s.\n\n%s",
          info.name, info.summary, SettingsHelp(mask).c_str());
      std::printf("\nDefault env file: %s in the current directory.\n",
                  info.env_file);
      std::fputs(info.help_tail, stdout);
      return 0;
    }
  }
  SettingsInput input;
  input.command = mask;
  input.args = args;
  input.default_env_file = info.env_file;
  input.getenv = [](const char* name) { return std::getenv(name); };
  input.read_file = [](const std::string& path) { return ReadWholeFile(path); };
  input.export_env = [](const std::string& name, const std::string& value) {
    setenv(name.c_str(), value.c_str(), 0);
  };
  Result<Settings> loaded = LoadSettings(input);
  if (!loaded.ok()) {
    std::fprintf(stderr, "cfmigrate %s: configuration error:\n", info.name);
    std::string msg = loaded.status().message();
    size_t pos = 0;
    while (pos < msg.size()) {
      size_t nl = msg.find('\n', pos);
      std::fprintf(stderr, "  %s\n", msg.substr(pos, nl - pos).c_str());
      pos = nl == std::string::npos ? msg.size() : nl + 1;
    }
    std::fprintf(stderr, "Run 'cfmigrate %s --help' for the settings.\n",
                 info.name);
    return 2;
  }
  *settings = std::move(*loaded);
  return std::nullopt;
}

Status MakeDirs(const std::string& dir) {
  if (dir.empty() || dir == ".") return Status::OK();
  std::string path;
  for (size_t pos = 0; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    path = dir.substr(0, pos);
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::IOError("cannot create " + path + ": " +
                             std::strerror(errno));
  }
  return Status::OK();
}

int OpenStateDir(const Settings& settings, unsigned mask, const char* log_name,
                 std::unique_ptr<StateLock>* lock) {
  const char* name = CommandByMask(mask).name;
  const std::string& dir = settings.Get("STATE_DIR");
  Status st = MakeDirs(dir);
  if (st.ok()) {
    Result<std::unique_ptr<StateLock>> taken = StateLock::Acquire(dir, name);
    if (taken.ok()) *lock = std::move(*taken);
    st = taken.status();
  }
  if (st.ok())
    st = InitLogging(StatePath(settings, log_name), settings.Get("LOG_LEVEL"));
  if (st.ok()) return -1;
  std::fprintf(stderr, "cfmigrate %s: %s\n", name, st.message().c_str());
  return 2;
}

std::string StatePath(const Settings& settings, const std::string& name) {
  const std::string& dir = settings.Get("STATE_DIR");
  if (dir.empty() || dir == ".") return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace cfm
