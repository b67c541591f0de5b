// Adaptive limit on transfers in flight: halves when S3 throttles
// (SlowDown/503) and climbs back one step at a time once the storm passes
// (additive increase, multiplicative decrease). Thread-safe.
#ifndef CFMIGRATE_CONCURRENCY_H_
#define CFMIGRATE_CONCURRENCY_H_

#include <atomic>
#include <cstdint>
#include <mutex>

namespace cfm {

class ConcurrencyLimit {
 public:
  // Starts at `max`; never goes below min(`min`, `max`).
  ConcurrencyLimit(int max, int min = 4);

  int limit() const { return limit_.load(std::memory_order_relaxed); }
  int max() const { return max_; }

  // S3 answered SlowDown or 503 at `now_ms`. Halves the limit, at most once
  // per second so one burst of rejections counts once. Returns true when it
  // lowered the limit.
  bool OnThrottle(int64_t now_ms);

  // A request succeeded at `now_ms`. After 5 s without throttling, each
  // `limit` successes raise the limit by one tenth of the gap to the
  // ceiling (max, or what Set chose; at least 1). Returns true when it raised
  // the limit.
  bool OnSuccess(int64_t now_ms);

  // CONCURRENCY=auto: the limit becomes `limit` (clamped to [min, max]) and
  // the ceiling OnSuccess climbs back to after a throttle.
  void Set(int limit);

 private:
  const int max_;
  const int min_;
  std::atomic<int> limit_;
  std::atomic<int> ceiling_;
  std::mutex mu_;
  int64_t last_throttle_ms_ = INT64_MIN / 2;
  int successes_since_change_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_CONCURRENCY_H_
