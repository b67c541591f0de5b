#include "clock.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace cfm {
namespace {

TEST(ClockTest, SystemClockIsMonotonicAndNearWallTime) {
  Clock* c = SystemClock();
  int64_t a = c->NowMs();
  int64_t b = c->NowMs();
  EXPECT_LE(a, b);
  EXPECT_LE(std::abs(c->WallSeconds() - std::time(nullptr)), 1);
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock c(1000);
  EXPECT_EQ(c.NowMs(), 0);
  c.SleepMs(1500);
  EXPECT_EQ(c.NowMs(), 1500);
  EXPECT_EQ(c.WallSeconds(), 1001);
  c.Advance(-5);
  EXPECT_EQ(c.NowMs(), 1500);
}

}  // namespace
}  // namespace cfm
