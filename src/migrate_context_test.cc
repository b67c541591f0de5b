#include "migrate_context.h"

#include <gtest/gtest.h>

#include "crypto.h"
#include "engine_test_rig.h"

namespace cfm {
namespace {

TEST(IntegrityTest, PlainMd5FromEtag) {
  EXPECT_EQ(PlainMd5FromEtag("\"0123456789ABCDEF0123456789abcdef\""),
            "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(PlainMd5FromEtag("0123456789abcdef0123456789abcdef"),
            "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(PlainMd5FromEtag("W/\"0123456789abcdef0123456789abcdef\""), "");
  EXPECT_EQ(PlainMd5FromEtag("\"0123456789abcdef0123456789abcdef-2\""), "");
  EXPECT_EQ(PlainMd5FromEtag("\"5f3a-6c1\""), "");
  EXPECT_EQ(PlainMd5FromEtag("\"0123456789abcdef0123456789abcdeg\""), "");
  EXPECT_EQ(PlainMd5FromEtag(""), "");
}

TEST(IntegrityTest, AutoUsesSourceMd5WithoutHashing) {
  // The body deliberately does not match: auto mode must not hash, it
  // passes the source's MD5 on for S3 to check.
  std::string etag = "\"" + HexEncode(Md5("hello")) + "\"";
  auto i = ComputeIntegrity(ChecksumMode::kAuto, etag, "other bytes");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->content_md5, Base64Encode(Md5("hello")));
  EXPECT_EQ(i->checksum_crc32c, "");
  EXPECT_EQ(i->record, "md5:" + HexEncode(Md5("hello")));
}

TEST(IntegrityTest, AutoFallsBackToCrc32c) {
  auto i = ComputeIntegrity(ChecksumMode::kAuto, "W/\"abc\"", "123456789");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->content_md5, "");
  EXPECT_EQ(i->checksum_crc32c, Crc32cBase64(0xE3069283));
  EXPECT_EQ(i->record, "crc32c:" + Crc32cBase64(0xE3069283));
}

TEST(IntegrityTest, Md5ModeHashesAndCatchesMismatch) {
  std::string etag = "\"" + HexEncode(Md5("hello")) + "\"";
  auto good = ComputeIntegrity(ChecksumMode::kMd5, etag, "hello");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->content_md5, Base64Encode(Md5("hello")));
  auto bad = ComputeIntegrity(ChecksumMode::kMd5, etag, "hellO");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kCorruption);
  auto no_etag = ComputeIntegrity(ChecksumMode::kMd5, "", "x");
  ASSERT_TRUE(no_etag.ok());
  EXPECT_EQ(no_etag->content_md5, Base64Encode(Md5("x")));
}

TEST(IntegrityTest, PrecomputedCrcIsUsed) {
  EXPECT_TRUE(NeedsCrc32c(ChecksumMode::kAuto, "W/\"x\""));
  EXPECT_FALSE(
      NeedsCrc32c(ChecksumMode::kAuto, "\"0123456789abcdef0123456789abcdef\""));
  EXPECT_TRUE(NeedsCrc32c(ChecksumMode::kCrc32c,
                          "\"0123456789abcdef0123456789abcdef\""));
  EXPECT_FALSE(NeedsCrc32c(ChecksumMode::kMd5, ""));
  EXPECT_FALSE(NeedsCrc32c(ChecksumMode::kNone, ""));
  uint32_t running = Crc32c("6789", Crc32c("12345"));
  auto i = ComputeIntegrity(ChecksumMode::kCrc32c, "", "123456789", &running);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->checksum_crc32c, Crc32cBase64(0xE3069283));
  uint32_t wrong = 1;
  auto j = ComputeIntegrity(ChecksumMode::kCrc32c, "", "123456789", &wrong);
  EXPECT_EQ(j->checksum_crc32c, Crc32cBase64(1));  // trusted, not recomputed
}

TEST(IntegrityTest, Crc32cAndNone) {
  std::string etag = "\"" + HexEncode(Md5("hello")) + "\"";
  auto c = ComputeIntegrity(ChecksumMode::kCrc32c, etag, "123456789");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->content_md5, "");
  EXPECT_EQ(c->checksum_crc32c, Crc32cBase64(0xE3069283));
  auto n = ComputeIntegrity(ChecksumMode::kNone, etag, "x");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->content_md5, "");
  EXPECT_EQ(n->checksum_crc32c, "");
  EXPECT_EQ(n->record, "");
}

TEST(RunControlTest, FirstSignalStopsStartingSecondAborts) {
  RunControl run;
  EXPECT_FALSE(run.Tick(0, false, 0, 30000).stop_starting);
  StopChanges first = run.Tick(1, false, 100, 30000);
  EXPECT_TRUE(first.stop_starting);
  EXPECT_FALSE(first.abort_now);
  EXPECT_TRUE(run.stop_starting.load());
  EXPECT_FALSE(run.Tick(1, false, 200, 30000).stop_starting);  // once
  StopChanges second = run.Tick(2, false, 300, 30000);
  EXPECT_TRUE(second.abort_now);
  EXPECT_TRUE(run.abort_now.load());
  EXPECT_FALSE(run.Tick(2, false, 400, 30000).abort_now);  // once
}

TEST(RunControlTest, GracePeriodEndsInAbort) {
  RunControl run;
  EXPECT_TRUE(run.Tick(0, /*sink_stop=*/true, 1000, 30000).stop_starting);
  EXPECT_FALSE(run.Tick(0, true, 31000, 30000).abort_now);  // not past it
  EXPECT_TRUE(run.Tick(0, true, 31001, 30000).abort_now);
}

TEST(InflightSlotTest, CountsWhileHeldAndMovesWithTheJob) {
  std::atomic<int> count{0};
  {
    auto job = std::make_unique<Job>();
    job->slot = InflightSlot(&count);
    EXPECT_EQ(count.load(), 1);
    auto moved = std::move(job);
    EXPECT_EQ(count.load(), 1);
    InflightSlot other(&count);
    EXPECT_EQ(count.load(), 2);
    other = std::move(moved->slot);  // releases the one it held
    EXPECT_EQ(count.load(), 1);
  }
  EXPECT_EQ(count.load(), 0);
}

TEST(ApplyOutcomeTest, ThrottlingCountsAndLowersTheLimit) {
  EngineRig rig(16);
  Job job;
  Outcome slow = Retry(FailType::kS3, "s3 SlowDown");
  slow.throttled = true;
  Outcome out = ApplyOutcome(&rig.ctx, slow, &job);
  EXPECT_EQ(out.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(job.throttled_attempts, 1);
  EXPECT_EQ(rig.ctx.limit->limit(), 8);
}

TEST(ApplyOutcomeTest, CredentialsAreRefreshedOnceThenTheRunStops) {
  EngineRig rig;
  int refreshes = 0;
  rig.ctx.s3.refresh_credentials = [&refreshes] {
    ++refreshes;
    return Status::OK();
  };
  Job job;
  Outcome expired = Retry(FailType::kS3, "s3 ExpiredToken", 0);
  expired.refresh_credentials = true;
  expired.stop_message = "PUT k: 400 ExpiredToken";
  EXPECT_EQ(ApplyOutcome(&rig.ctx, expired, &job).kind, Outcome::Kind::kRetry);
  EXPECT_EQ(refreshes, 1);
  EXPECT_FALSE(rig.sink.stop_requested());
  EXPECT_EQ(ApplyOutcome(&rig.ctx, expired, &job).kind,
            Outcome::Kind::kStopRun);
  EXPECT_EQ(refreshes, 1);
  EXPECT_EQ(rig.sink.stop_message(), "PUT k: 400 ExpiredToken");
}

TEST(ApplyOutcomeTest, RefetchMarksTheBodyStale) {
  EngineRig rig;
  Job job;
  job.downloaded = true;
  Outcome digest = Retry(FailType::kS3, "s3 BadDigest");
  digest.refetch = true;
  (void)ApplyOutcome(&rig.ctx, digest, &job);
  EXPECT_FALSE(job.downloaded);
}

}  // namespace
}  // namespace cfm
