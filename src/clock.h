// One clock for the whole program: monotonic milliseconds for deadlines and
// back-off, wall seconds for request signing and state files, and a sleep.
// Code takes a Clock* so tests can drive time with FakeClock instead of
// sleeping. SystemClock() never fails and lives for the whole process.
#ifndef CFMIGRATE_CLOCK_H_
#define CFMIGRATE_CLOCK_H_

#include <cstdint>
#include <ctime>

namespace cfm {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time in milliseconds (steady; never jumps back).
  virtual int64_t NowMs() = 0;
  // Wall-clock seconds since the Unix epoch (UTC), for SigV4 and records.
  virtual std::time_t WallSeconds() = 0;
  // Waits `ms` milliseconds (FakeClock: advances its time instead).
  virtual void SleepMs(int64_t ms) = 0;
};

// The real clock (steady_clock, time(), this_thread::sleep_for).
Clock* SystemClock();

// A clock tests move by hand. Starts at NowMs() == 0 and the wall time given.
class FakeClock : public Clock {
 public:
  explicit FakeClock(std::time_t wall = 1700000000) : wall0_(wall) {}
  int64_t NowMs() override { return now_ms_; }
  std::time_t WallSeconds() override {
    return wall0_ + static_cast<std::time_t>(now_ms_ / 1000);
  }
  void SleepMs(int64_t ms) override { Advance(ms); }
  void Advance(int64_t ms) {
    if (ms > 0) now_ms_ += ms;
  }

 private:
  std::time_t wall0_;
  int64_t now_ms_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_CLOCK_H_
