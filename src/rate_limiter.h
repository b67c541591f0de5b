// Token-bucket rate limiting for the image-list API, on a Clock so tests
// run without sleeping.
#ifndef CFMIGRATE_RATE_LIMITER_H_
#define CFMIGRATE_RATE_LIMITER_H_

#include "clock.h"

namespace cfm {

// A token bucket: `rate` tokens a second, holding at most `burst` tokens
// (default 1, so requests are evenly spaced and any one-second window sees
// at most rate + 1 of them). rate <= 0 means no limit. Starts full. Not
// thread-safe; `clock` is borrowed and must outlive the limiter.
class RateLimiter {
 public:
  RateLimiter(double rate, Clock* clock, double burst = 1.0);

  // Seconds until a token is available; 0 when one is available now.
  double Delay();

  // Takes a token now (may go negative, which delays later requests).
  void Take();

  // Sleeps on the clock (whole milliseconds, rounded up) until a token is
  // available, then takes it.
  void Acquire();

  double rate() const { return rate_; }

 private:
  void Refill();

  double rate_;
  double burst_;
  double tokens_;
  double last_;
  Clock* clock_;
};

}  // namespace cfm

#endif  // CFMIGRATE_RATE_LIMITER_H_
