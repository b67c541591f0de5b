#include "migrate_run.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

TEST(MigrateRunTest, RetryCommandReplacesTheListAndQuotes) {
  EXPECT_EQ(RetryCommand({"--env-file", "my env", "--source-urls-file",
                          "urls.txt", "--concurrency=50"},
                         "st/retry_urls.txt"),
            "cfmigrate migrate --env-file 'my env' --concurrency=50 "
            "--source-urls-file st/retry_urls.txt");
  EXPECT_EQ(RetryCommand({"--source-urls-file=a.txt", "--x", "it's"}, "r"),
            "cfmigrate migrate --x 'it'\\''s' --source-urls-file r");
}

TEST(MigrateRunTest, Outcome) {
  RunSummary s;
  EXPECT_EQ(Outcome(s), "complete");
  s.failed = 1;
  EXPECT_EQ(Outcome(s), "finished with 1 failure");
  s.malformed = 2;
  EXPECT_EQ(Outcome(s), "finished with 3 failures");
  s.stop_reason = "bucket missing";
  EXPECT_EQ(Outcome(s), "stopped: bucket missing");
  s.interrupted = true;
  EXPECT_EQ(Outcome(s), "interrupted");
}

}  // namespace
}  // namespace cfm

namespace cfm {
namespace {

TEST(MigrateRunTest, SummaryCountsAddUpAndPlurals) {
  RunSummary s;
  s.unique = 1;
  s.succeeded = 1;
  s.bytes = 2500000;
  s.elapsed_seconds = 2;
  EXPECT_EQ(FormatSummary(s),
            "summary: 1 copied (2.5 MB), 0 failed, 0 already done (in "
            "completed.txt), of 1 unique URL; 0 malformed lines; in 2s (0.5 "
            "files/s, 1.2 MB/s)");
}

}  // namespace
}  // namespace cfm
