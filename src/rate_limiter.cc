#include "rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace cfm {
namespace {

class SteadyTimeSource : public TimeSource {
 public:
  double Now() override {
    return std::chrono::duration<double>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void Sleep(double seconds) override {
    if (seconds > 0)
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }
};

}  // namespace

TimeSource* RealTimeSource() {
  static SteadyTimeSource* clock = new SteadyTimeSource();
  return clock;
}

RateLimiter::RateLimiter(double rate, TimeSource* clock, double burst)
    : rate_(rate),
      burst_(std::max(burst, 1.0)),
      tokens_(burst_),
      last_(clock->Now()),
      clock_(clock) {}

void RateLimiter::Refill() {
  double now = clock_->Now();
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
  if (wait > 0) clock_->Sleep(wait);
  Take();
}

}  // namespace cfm
