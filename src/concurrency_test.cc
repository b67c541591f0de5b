#include "concurrency.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

TEST(ConcurrencyLimitTest, HalvesOncePerSecondDownToMin) {
  ConcurrencyLimit c(100, 4);
  EXPECT_EQ(c.limit(), 100);
  EXPECT_TRUE(c.OnThrottle(10000));
  EXPECT_EQ(c.limit(), 50);
  EXPECT_FALSE(c.OnThrottle(10500));  // same burst
  EXPECT_EQ(c.limit(), 50);
  for (int t = 11000; t < 20000; t += 1000) c.OnThrottle(t);
  EXPECT_EQ(c.limit(), 4);
}

TEST(ConcurrencyLimitTest, ClimbsBackAfterQuietPeriod) {
  ConcurrencyLimit c(100, 4);
  c.OnThrottle(0);
  ASSERT_EQ(c.limit(), 50);
  // Within 5 s of the throttle nothing changes.
  for (int i = 0; i < 200; ++i) EXPECT_FALSE(c.OnSuccess(4000));
  EXPECT_EQ(c.limit(), 50);
  // Then every `limit` successes raise it.
  for (int i = 0; i < 49; ++i) EXPECT_FALSE(c.OnSuccess(6000));
  EXPECT_TRUE(c.OnSuccess(6000));
  EXPECT_EQ(c.limit(), 55);
  for (int i = 0; i < 100000 && c.limit() < 100; ++i) c.OnSuccess(7000);
  EXPECT_EQ(c.limit(), 100);
  EXPECT_FALSE(c.OnSuccess(8000));
}

TEST(ConcurrencyLimitTest, SmallMaxIsRespected) {
  ConcurrencyLimit c(2, 4);
  c.OnThrottle(0);
  EXPECT_EQ(c.limit(), 2);
}

TEST(ConcurrencyLimitTest, SetChoosesTheLimitAndTheCeilingOfTheClimb) {
  ConcurrencyLimit c(1000, 4);
  c.Set(80);
  EXPECT_EQ(c.limit(), 80);
  EXPECT_EQ(c.max(), 1000);
  c.OnThrottle(0);
  ASSERT_EQ(c.limit(), 40);
  for (int i = 0; i < 100000; ++i) c.OnSuccess(10000);
  EXPECT_EQ(c.limit(), 80);  // back to what Set chose, not to max
  c.Set(5000);
  EXPECT_EQ(c.limit(), 1000);
  c.Set(1);
  EXPECT_EQ(c.limit(), 4);
}

}  // namespace
}  // namespace cfm
