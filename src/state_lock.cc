#include "state_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cfm {

Result<std::unique_ptr<StateLock>> StateLock::Acquire(
    const std::string& dir, const std::string& command) {
  std::string path = (dir.empty() ? "." : dir) + "/.cfmigrate.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[256] = {0};
    ssize_t n = ::pread(fd, holder, sizeof(holder) - 1, 0);
    ::close(fd);
    std::string who = n > 0 ? std::string(holder, n) : "another process";
    while (!who.empty() && who.back() == '\n') who.pop_back();
    return Status::InvalidArgument("STATE_DIR " +
                                   (dir.empty() ? std::string(".") : dir) +
                                   " is in use by " + who +
                                   "; wait for it to finish or use another "
                                   "STATE_DIR");
  }
  std::string me =
      "cfmigrate " + command + " (pid " + std::to_string(::getpid()) + ")\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
    return Status::IOError("cannot write " + path + ": " +
                           std::strerror(errno));
  return std::unique_ptr<StateLock>(new StateLock(fd));
}

StateLock::~StateLock() { ::close(fd_); }

}  // namespace cfm
