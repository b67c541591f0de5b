// Test shim, preloaded (LD_PRELOAD) by tests/test_migrate_poll_fallback.py:
// epoll_create1 fails as it does for a process out of file descriptors or
// under a seccomp profile that forbids it, so the transport takes its
// curl_multi_poll + curl_multi_perform fallback.
#include <cerrno>

extern "C" int epoll_create1(int /*flags*/) {
  errno = EMFILE;
  return -1;
}
