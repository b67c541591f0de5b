// Token-bucket rate limiting for the image-list API, and the clock seam it
// and the collector use so tests run without sleeping.
#ifndef CFMIGRATE_RATE_LIMITER_H_
#define CFMIGRATE_RATE_LIMITER_H_

namespace cfm {

// Monotonic time in seconds, and sleeping. The real one is thread-safe.
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual double Now() = 0;
  virtual void Sleep(double seconds) = 0;
};

// The process-wide steady clock; never deleted.
TimeSource* RealTimeSource();

// A token bucket: `rate` tokens a second, holding at most `burst` tokens
// (default 1, so requests are evenly spaced and any one-second window sees
// at most rate + 1 of them). rate <= 0 means no limit. Starts full. Not
// thread-safe; `clock` is borrowed and must outlive the limiter.
class RateLimiter {
 public:
  RateLimiter(double rate, TimeSource* clock, double burst = 1.0);

  // Seconds until a token is available; 0 when one is available now.
  double Delay();

  // Takes a token now (may go negative, which delays later requests).
  void Take();

  // Sleeps on the clock until a token is available, then takes it.
  void Acquire();

  double rate() const { return rate_; }

 private:
  void Refill();

  double rate_;
  double burst_;
  double tokens_;
  double last_;
  TimeSource* clock_;
};

}  // namespace cfm

#endif  // CFMIGRATE_RATE_LIMITER_H_
