#include "rate_limiter.h"

#include <gtest/gtest.h>

#include <vector>

namespace cfm {
namespace {

class FakeTime : public TimeSource {
 public:
  double Now() override { return now; }
  void Sleep(double seconds) override { now += seconds; }
  double now = 1000.0;
};

TEST(RateLimiterTest, SpacesRequestsEvenly) {
  FakeTime clock;
  RateLimiter limiter(4.0, &clock);
  std::vector<double> sent;
  for (int i = 0; i < 9; ++i) {
    limiter.Acquire();
    sent.push_back(clock.now - 1000.0);
  }
  // First at once, then every 0.25 s.
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(sent[i], 0.25 * i, 1e-9);
}

TEST(RateLimiterTest, AnyOneSecondWindowHoldsAtMostRatePlusOne) {
  FakeTime clock;
  RateLimiter limiter(10.0, &clock);
  std::vector<double> sent;
  for (int i = 0; i < 100; ++i) {
    if (i % 17 == 0) clock.now += 3.0;  // idle gaps must not build a burst
    limiter.Acquire();
    sent.push_back(clock.now);
  }
  for (size_t i = 0; i < sent.size(); ++i) {
    int in_window = 0;
    for (size_t j = i; j < sent.size() && sent[j] < sent[i] + 1.0; ++j)
      ++in_window;
    EXPECT_LE(in_window, 11);
  }
}

TEST(RateLimiterTest, FractionalRate) {
  FakeTime clock;
  RateLimiter limiter(0.5, &clock);
  limiter.Acquire();
  EXPECT_NEAR(limiter.Delay(), 2.0, 1e-9);
  clock.now += 1.5;
  EXPECT_NEAR(limiter.Delay(), 0.5, 1e-9);
  limiter.Acquire();
  EXPECT_NEAR(clock.now, 1002.0, 1e-9);
}

TEST(RateLimiterTest, ZeroRateMeansNoLimit) {
  FakeTime clock;
  RateLimiter limiter(0.0, &clock);
  for (int i = 0; i < 1000; ++i) limiter.Acquire();
  EXPECT_EQ(clock.now, 1000.0);
  EXPECT_EQ(limiter.Delay(), 0.0);
}

TEST(RateLimiterTest, BurstAllowsThatManyAtOnce) {
  FakeTime clock;
  RateLimiter limiter(2.0, &clock, 3.0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.Delay(), 0.0) << i;
    limiter.Take();
  }
  EXPECT_NEAR(limiter.Delay(), 0.5, 1e-9);
}

TEST(RateLimiterTest, RealClockAdvances) {
  TimeSource* clock = RealTimeSource();
  double before = clock->Now();
  clock->Sleep(0.001);
  EXPECT_GT(clock->Now(), before);
}

}  // namespace
}  // namespace cfm
