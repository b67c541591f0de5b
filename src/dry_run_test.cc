#include "dry_run.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

TEST(DryRunTest, EstimateSaysWhichBoundSetsTheTime) {
  // The reference job: 4,000,000 objects of 390 KB, 100 ms to the source,
  // 150 in flight: 1500 files/s at most, 44m27s; bandwidth bounds below
  // 5 Gbit/s.
  std::vector<std::string> want = {
      "mean size 390 KB: estimated 1560.00 GB to copy (4000000 objects)",
      "mean HEAD latency 100 ms: with 150 in flight at most 1500 files/s, "
      "44m27s",
      "  at 1.0 Gbit/s: 3h28m (bandwidth bounds)",
      "  at 2.5 Gbit/s: 1h23m (bandwidth bounds)",
      "  at 5.0 Gbit/s: 44m27s (latency bounds)",
  };
  std::vector<std::string> got = FormatEstimate(390000, 0.1, 4000000, 150);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(std::vector<std::string>(got.begin(), got.begin() + 5), want);
  EXPECT_EQ(got[5].rfind("assumes: ", 0), 0u);
}

TEST(DryRunTest, EstimateForOneObject) {
  std::vector<std::string> got = FormatEstimate(1000, 0.5, 1, 1);
  EXPECT_EQ(got[0], "mean size 1 KB: estimated 0.00 GB to copy (1 object)");
  EXPECT_EQ(got[2], "  at 1.0 Gbit/s: 1s (latency bounds)");
}

TEST(DryRunTest, MalformedByReasonWithFirstLines) {
  std::vector<MalformedLine> lines = {{1, "a", "no host"},
                                      {2, "b", "no host"},
                                      {5, "c", "x"},
                                      {7, "d", "no host"}};
  std::vector<std::string> want = {
      "malformed lines by reason (a run records them as failed):",
      "  3 lines: no host",
      "    line 1: a",
      "    line 2: b",
      "  1 line: x",
      "    line 5: c",
  };
  EXPECT_EQ(FormatMalformed(lines, 2), want);
  EXPECT_TRUE(FormatMalformed({}).empty());
}

}  // namespace
}  // namespace cfm
