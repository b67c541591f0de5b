#include "progress.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

TEST(ProgressTest, FormatDuration) {
  EXPECT_EQ(FormatDuration(12), "12s");
  EXPECT_EQ(FormatDuration(185), "3m05s");
  EXPECT_EQ(FormatDuration(3720), "1h02m");
  EXPECT_EQ(FormatDuration(90000), "1d01h");
  EXPECT_EQ(FormatDuration(-1), "?");
}

TEST(ProgressTest, LineShowsOverallAndRecentRates) {
  ProgressMeter m(0);
  ProgressCounts c;
  c.total = 10000;
  c.skipped = 1000;
  m.Sample(0, c);
  c.succeeded = 990;
  c.failed = 10;
  c.bytes = 400000000;
  c.retrying = 3;
  // 1000 files in 10 s overall; all of it inside the recent window.
  EXPECT_EQ(m.Line(10000, c),
            "progress 2000/10000 (20.0%) | 100.0 files/s (recent 100.0) | "
            "40.0 MB/s (recent 40.0) | ETA 1m20s | ok 990, failed 10, "
            "retrying 3 | errors 1.00%");
}

TEST(ProgressTest, RecentRateUsesWindow) {
  ProgressMeter m(0, 30000);
  ProgressCounts c;
  c.total = 100000;
  for (int t = 0; t <= 60000; t += 1000) {
    // 10 files/s for the first 30 s, then 50 files/s.
    c.succeeded = t <= 30000 ? t / 100 : 300 + (t - 30000) / 20;
    m.Sample(t, c);
  }
  std::string line = m.Line(60000, c);
  EXPECT_NE(line.find("(recent 50.0)"), std::string::npos) << line;
  EXPECT_NE(line.find("30.0 files/s"), std::string::npos) << line;
}

TEST(ProgressTest, StatusBarLabelsNowAndAvg) {
  ProgressMeter m(0);
  ProgressCounts c;
  c.total = 200;
  m.Sample(0, c);
  c.succeeded = 100;
  c.bytes = 5000000;
  EXPECT_EQ(m.StatusBar(2000, c, {150, 150}, 160),
            "100/200 50.0% | now 50 files/s 2.5 MB/s | "
            "avg 50 files/s 2.5 MB/s | ETA 2s");
}

// A run 30% through, throttled, with failures and retries: every field.
ProgressCounts Busy(ProgressMeter* m) {
  ProgressCounts c;
  c.total = 4000000;
  m->Sample(0, c);
  c.succeeded = 1202222;
  c.failed = 1234;
  c.retrying = 12;
  c.bytes = 440000000000;
  m->Sample(3000000, c);
  return c;
}

TEST(ProgressTest, StatusBarShowsLimitWhenThrottled) {
  ProgressMeter m(0, 3000000);
  ProgressCounts c = Busy(&m);
  EXPECT_EQ(m.StatusBar(3000000, c, {40, 150}, 160),
            "1203456/4000000 30.1% | now 401 files/s 146.7 MB/s | "
            "avg 401 files/s 146.7 MB/s | ETA 1h56m | failed 1234 | "
            "retrying 12 | limit 40/150");
}

TEST(ProgressTest, StatusBarDropsFieldsInOrderToFit) {
  ProgressMeter m(0, 3000000);
  ProgressCounts c = Busy(&m);
  std::string at80 = m.StatusBar(3000000, c, {40, 150}, 80);
  EXPECT_EQ(at80,
            "1203456/4000000 30.1% | ETA 1h56m | failed 1234 | limit 40/150");
  EXPECT_EQ(m.StatusBar(3000000, c, {40, 150}, 60),
            "1203456/4000000 30.1% | ETA 1h56m | failed 1234");
  EXPECT_EQ(m.StatusBar(3000000, c, {40, 150}, 30), "1203456/4000000 30.1%");
  EXPECT_EQ(m.StatusBar(3000000, c, {40, 150}, 12), "1203456/400");
  for (size_t w : {20, 40, 60, 79, 100, 120})
    EXPECT_LT(m.StatusBar(3000000, c, {40, 150}, w).size(), w) << w;
}

TEST(ProgressTest, FitFieldsSkipsEmptyAndZeroWidthMeansNoLimit) {
  EXPECT_EQ(FitFields({"a", "", "b"}, {0}, 0), "a | b");
  EXPECT_EQ(FitFields({"aaaa", "bbbb", "cc"}, {1, 0}, 10), "aaaa | cc");
}

}  // namespace
}  // namespace cfm
