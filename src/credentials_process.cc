// credential_process: running the command and reading its JSON.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "clock.h"
#include "credentials_sources.h"

extern char** environ;

namespace cfm {
namespace {

constexpr size_t kMaxCapture = 1 << 20;
constexpr size_t kMaxStderrInMessage = 400;

// Reads whatever `fd` has into `out`; returns false at EOF or error.
bool Drain(int fd, std::string* out) {
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  if (out->size() < kMaxCapture)
    out->append(buf, std::min<size_t>(n, kMaxCapture - out->size()));
  return true;
}

// Collects both pipes until EOF; false when the deadline passed first.
bool Collect(int out_fd, int err_fd, int timeout_seconds, ProcessOutput* po) {
  Clock* clock = SystemClock();  // poll() waits on real time anyway
  int64_t deadline = clock->NowMs() + int64_t{timeout_seconds} * 1000;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&po->out, &po->err};
  int open = 2;
  while (open > 0) {
    int64_t left = deadline - clock->NowMs();
    if (left <= 0) return false;
    int rc = poll(fds, 2, static_cast<int>(left));
    if (rc < 0 && errno != EINTR) return false;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      if (!Drain(fds[i].fd, sinks[i])) {
        fds[i].fd = -1;
        --open;
      }
    }
  }
  return true;
}

Result<pid_t> Spawn(const std::string& command, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  std::string sh = "sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return Status::Auth(std::string("cannot start /bin/sh: ") +
                        std::strerror(rc));
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

// Secrets from whatever JSON the process printed, to scrub from its stderr.
std::vector<std::string> SecretsIn(const std::string& out) {
  std::vector<std::string> secrets;
  nlohmann::json doc = nlohmann::json::parse(out, nullptr, false);
  if (!doc.is_object()) return secrets;
  for (const char* key : {"SecretAccessKey", "SessionToken", "Token"}) {
    auto it = doc.find(key);
    if (it != doc.end() && it->is_string())
      secrets.push_back(it->get<std::string>());
  }
  return secrets;
}

std::string TrimmedStderr(const ProcessOutput& po) {
  std::string err = ScrubSecrets(po.err, SecretsIn(po.out));
  while (!err.empty() && std::isspace(static_cast<unsigned char>(err.back())))
    err.pop_back();
  if (err.size() > kMaxStderrInMessage)
    err = err.substr(0, kMaxStderrInMessage) + "…";
  return err.empty() ? "(no stderr)" : err;
}

}  // namespace

Result<ProcessOutput> RunShellCommand(const std::string& command,
                                      int timeout_seconds) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return Status::Auth(std::string("pipe: ") + std::strerror(errno));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return Status::Auth(std::string("pipe: ") + std::strerror(errno));
  }
  Result<pid_t> pid = Spawn(command, out[1], err[1]);
  close(out[1]);
  close(err[1]);
  ProcessOutput po;
  bool finished = pid.ok() && Collect(out[0], err[0], timeout_seconds, &po);
  close(out[0]);
  close(err[0]);
  if (!pid.ok()) return pid.status();
  if (!finished) kill(-*pid, SIGKILL);
  po.exit_code = WaitExit(*pid);
  if (!finished)
    return Status::Timeout("still running after " +
                           std::to_string(timeout_seconds) + " s; killed");
  return po;
}

Result<AwsCredentials> CredentialsFromProcess(const CredentialsEnv& env,
                                              const std::string& command,
                                              const std::string& what) {
  Result<ProcessOutput> run = env.run_process(command);
  if (!run.ok()) return Status::Auth(what + ": " + run.status().message());
  if (run->exit_code != 0)
    return Status::Auth(what + " exited with status " +
                        std::to_string(run->exit_code) + ": " +
                        TrimmedStderr(*run));
  nlohmann::json doc = nlohmann::json::parse(run->out, nullptr, false);
  if (!doc.is_object())
    return Status::Auth(what + " printed no JSON object on stdout (" +
                        std::to_string(run->out.size()) + " bytes)");
  auto version = doc.find("Version");
  if (version == doc.end() || *version != 1)
    return Status::Auth(what + ": the JSON's Version must be 1");
  Result<AwsCredentials> creds =
      ParseCredentialsJson(run->out, "SessionToken", what);
  if (!creds.ok()) return creds.status().WithContext(what);
  return creds;
}

}  // namespace cfm
