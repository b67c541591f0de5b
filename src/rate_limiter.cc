#include "rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace cfm {
namespace {

double Seconds(Clock* clock) {
  return static_cast<double>(clock->NowMs()) / 1000.0;
}

}  // namespace

RateLimiter::RateLimiter(double rate, Clock* clock, double burst)
    : rate_(rate),
      burst_(std::max(burst, 1.0)),
      tokens_(burst_),
      last_(Seconds(clock)),
      clock_(clock) {}

void RateLimiter::Refill() {
  double now = Seconds(clock_);
  tokens_ = std::min(burst_, tokens_ + (now - last_) * rate_);
  last_ = now;
}

double RateLimiter::Delay() {
  if (rate_ <= 0) return 0;
  Refill();
  // The epsilon keeps rounding from asking for a sleep shorter than the
  // clock can represent, which would never end.
  return tokens_ >= 1.0 - 1e-9 ? 0 : (1.0 - tokens_) / rate_;
}

void RateLimiter::Take() {
  if (rate_ <= 0) return;
  Refill();
  tokens_ -= 1.0;
}

void RateLimiter::Acquire() {
  double wait = Delay();
  // The epsilon keeps a wait of exactly n ms from rounding up to n + 1.
  if (wait > 0)
    clock_->SleepMs(static_cast<int64_t>(std::ceil(wait * 1000 - 1e-6)));
  Take();
}

}  // namespace cfm
