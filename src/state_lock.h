// An exclusive lock on a STATE_DIR, held for a whole migrate or validate run,
// so two runs never write the same completed.txt at once (a second migrate
// would copy everything twice; validate rewrites completed.txt). It is an
// flock(2) on STATE_DIR/.cfmigrate.lock: the kernel drops it when the
// process dies, so a crash never leaves a stale lock behind.
#ifndef CFMIGRATE_STATE_LOCK_H_
#define CFMIGRATE_STATE_LOCK_H_

#include <memory>
#include <string>

#include "status.h"

namespace cfm {

class StateLock {
 public:
  // Takes the lock without waiting and records `command` and our pid in the
  // lock file. Fails with kInvalidArgument naming the command and pid that
  // hold it, or kIOError when the file cannot be opened.
  static Result<std::unique_ptr<StateLock>> Acquire(const std::string& dir,
                                                    const std::string& command);
  ~StateLock();  // releases the lock
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cfm

#endif  // CFMIGRATE_STATE_LOCK_H_
