#include "log.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace cfm {
namespace {

std::atomic<bool> g_winch{true};  // true: read the width at the first use
void OnWinch(int) { g_winch = true; }

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// The terminal: one lock for every byte written to stdout or stderr by the
// log and the live line.
class Terminal {
 public:
  static Terminal& Get() {
    static Terminal t;
    return t;
  }
  bool live_enabled() const { return live_enabled_; }

  // Writes `text` to `fd` with the live line taken down first and put back
  // after.
  void Write(int fd, const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!live_.empty()) WriteAll(STDOUT_FILENO, "\r\033[K");
    WriteAll(fd, text);
    if (!live_.empty()) WriteAll(STDOUT_FILENO, live_);
  }

  void SetLive(const std::string& text) {
    if (!live_enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (text == live_) return;
    WriteAll(STDOUT_FILENO, "\r\033[K" + text);
    live_ = text;
  }

 private:
  Terminal() {
    const char* term = std::getenv("TERM");
    live_enabled_ = ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR") &&
                    !(term && std::strcmp(term, "dumb") == 0);
    if (live_enabled_) {
      struct sigaction sa = {};
      sa.sa_handler = OnWinch;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESTART;
      sigaction(SIGWINCH, &sa, nullptr);
    }
  }
  bool live_enabled_ = false;
  std::mutex mu_;
  std::string live_;
};

// Log lines for the console: "level: message" on stderr, through the
// Terminal so they never land on the live line.
class ConsoleSink
    : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string line(spdlog::level::to_string_view(msg.level).data(),
                     spdlog::level::to_string_view(msg.level).size());
    line += ": ";
    line.append(msg.payload.data(), msg.payload.size());
    line += "\n";
    Terminal::Get().Write(STDERR_FILENO, line);
  }
  void flush_() override {}
};

std::shared_ptr<spdlog::sinks::basic_file_sink_mt> g_file;

}  // namespace

Status InitLogging(const std::string& log_path, const std::string& level) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<ConsoleSink>());
  g_file.reset();
  if (!log_path.empty()) {
    try {
      // Created (or narrowed to) 0600 before spdlog appends to it.
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ::fchmod(fd, 0600);  // a file from an older run may be wider
        ::close(fd);
      }
      g_file =
          std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_path, false);
      g_file->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
      sinks.push_back(g_file);
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IOError("cannot open log file " + log_path + ": " +
                             e.what());
    }
  }
  auto logger =
      std::make_shared<spdlog::logger>("cfmigrate", sinks.begin(), sinks.end());
  std::string lower;
  for (char c : level) lower += static_cast<char>(std::tolower(c));
  if (lower == "warning") lower = "warn";
  logger->set_level(spdlog::level::from_str(lower));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return Status::OK();
}

void FlushLogs() { spdlog::default_logger()->flush(); }

void PrintLine(const std::string& line) {
  Terminal::Get().Write(STDOUT_FILENO, line + "\n");
  if (g_file)
    g_file->log(
        spdlog::details::log_msg("cfmigrate", spdlog::level::info, line));
}

void PrintLines(const std::string& text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    PrintLine(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
}

bool LiveLineEnabled() { return Terminal::Get().live_enabled(); }

size_t TerminalWidth() {
  static std::atomic<size_t> width{80};
  if (g_winch.exchange(false)) {
    struct winsize ws = {};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
      width = ws.ws_col;
  }
  return width;
}

void SetLiveLine(const std::string& text) { Terminal::Get().SetLive(text); }

}  // namespace cfm
