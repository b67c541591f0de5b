#include "rate_limiter.h"

#include <gtest/gtest.h>

#include <vector>

namespace cfm {
namespace {

// Seconds on a FakeClock, offset by 1000 s (only differences matter).
double Now(FakeClock& clock) { return 1000.0 + clock.NowMs() / 1000.0; }

TEST(RateLimiterTest, SpacesRequestsEvenly) {
  FakeClock clock;
  RateLimiter limiter(4.0, &clock);
  std::vector<double> sent;
  for (int i = 0; i < 9; ++i) {
    limiter.Acquire();
    sent.push_back(Now(clock) - 1000.0);
  }
  // First at once, then every 0.25 s.
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(sent[i], 0.25 * i, 1e-9);
}

TEST(RateLimiterTest, AnyOneSecondWindowHoldsAtMostRatePlusOne) {
  FakeClock clock;
  RateLimiter limiter(10.0, &clock);
  std::vector<double> sent;
  for (int i = 0; i < 100; ++i) {
    if (i % 17 == 0) clock.Advance(3000);  // idle gaps must not build a burst
    limiter.Acquire();
    sent.push_back(Now(clock));
  }
  for (size_t i = 0; i < sent.size(); ++i) {
    int in_window = 0;
    for (size_t j = i; j < sent.size() && sent[j] < sent[i] + 1.0; ++j)
      ++in_window;
    EXPECT_LE(in_window, 11);
  }
}

TEST(RateLimiterTest, FractionalRate) {
  FakeClock clock;
  RateLimiter limiter(0.5, &clock);
  limiter.Acquire();
  EXPECT_NEAR(limiter.Delay(), 2.0, 1e-9);
  clock.Advance(1500);
  EXPECT_NEAR(limiter.Delay(), 0.5, 1e-9);
  limiter.Acquire();
  EXPECT_NEAR(Now(clock), 1002.0, 1e-9);
}

TEST(RateLimiterTest, ZeroRateMeansNoLimit) {
  FakeClock clock;
  RateLimiter limiter(0.0, &clock);
  for (int i = 0; i < 1000; ++i) limiter.Acquire();
  EXPECT_EQ(Now(clock), 1000.0);
  EXPECT_EQ(limiter.Delay(), 0.0);
}

TEST(RateLimiterTest, BurstAllowsThatManyAtOnce) {
  FakeClock clock;
  RateLimiter limiter(2.0, &clock, 3.0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.Delay(), 0.0) << i;
    limiter.Take();
  }
  EXPECT_NEAR(limiter.Delay(), 0.5, 1e-9);
}

}  // namespace
}  // namespace cfm
