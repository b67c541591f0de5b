// Test shim, preloaded (LD_PRELOAD) by tests/test_migrate_cork.py: every
// TCP_CORK the process sets is passed on and logged as a line "fd value"
// appended to the file CFMIGRATE_CORK_LOG names (one write each, so the
// event loops' lines do not mix).
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

extern "C" int setsockopt(int fd, int level, int name, const void* value,
                          socklen_t len) {
  using Setsockopt = int (*)(int, int, int, const void*, socklen_t);
  static const auto real =
      reinterpret_cast<Setsockopt>(dlsym(RTLD_NEXT, "setsockopt"));
  int rc = real(fd, level, name, value, len);
  const char* path = getenv("CFMIGRATE_CORK_LOG");
  if (rc != 0 || !path || level != IPPROTO_TCP || name != TCP_CORK ||
      len != sizeof(int))
    return rc;
  char line[32];
  int n = snprintf(line, sizeof line, "%d %d\n", fd,
                   *static_cast<const int*>(value));
  int out = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (out >= 0) {
    ssize_t written = write(out, line, n);
    (void)written;
    close(out);
  }
  return rc;
}
