#include "retry_policy.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

TEST(RetryPolicyTest, SourceStatusClasses) {
  EXPECT_EQ(ClassifySourceStatus(0), Verdict::kRetry);
  EXPECT_EQ(ClassifySourceStatus(429), Verdict::kRetry);
  EXPECT_EQ(ClassifySourceStatus(500), Verdict::kRetry);
  EXPECT_EQ(ClassifySourceStatus(503), Verdict::kRetry);
  EXPECT_EQ(ClassifySourceStatus(504), Verdict::kRetry);
  EXPECT_EQ(ClassifySourceStatus(404), Verdict::kFailObject);
  EXPECT_EQ(ClassifySourceStatus(410), Verdict::kFailObject);
  EXPECT_EQ(ClassifySourceStatus(403), Verdict::kFailObject);
}

TEST(RetryPolicyTest, BackoffDoublesWithJitter) {
  EXPECT_EQ(BackoffMs(1, 0.5), 1000);
  EXPECT_EQ(BackoffMs(2, 0.5), 2000);
  EXPECT_EQ(BackoffMs(3, 0.5), 4000);
  EXPECT_EQ(BackoffMs(1, 0.0), 500);
  EXPECT_EQ(BackoffMs(3, 0.999), 5996);
  EXPECT_EQ(BackoffMs(30, 0.5), 20000);  // capped
}

TEST(RetryPolicyTest, RetryAfterWins) {
  EXPECT_EQ(BackoffMs(1, 0.5, 3000), 3000);
  EXPECT_EQ(BackoffMs(1, 0.5, 0), 0);
  EXPECT_EQ(BackoffMs(1, 0.5, 999999), 120000);
}

TEST(RetryPolicyTest, ParseRetryAfter) {
  std::time_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(ParseRetryAfterMs("5", now), 5000);
  EXPECT_EQ(ParseRetryAfterMs(" 0 ", now), 0);
  EXPECT_EQ(ParseRetryAfterMs("Wed, 21 Oct 2015 07:28:10 GMT", now), 10000);
  EXPECT_EQ(ParseRetryAfterMs("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
  EXPECT_EQ(ParseRetryAfterMs("soon", now), -1);
  EXPECT_EQ(ParseRetryAfterMs("", now), -1);
}

TEST(RetryPolicyTest, ThrottlingHasALargerBudget) {
  // 3 retries: the 4th plain failure ends it.
  EXPECT_FALSE(RetriesExhausted(3, 0, 3));
  EXPECT_TRUE(RetriesExhausted(4, 0, 3));
  // Throttled attempts do not use up the plain budget...
  EXPECT_FALSE(RetriesExhausted(4, 4, 3));
  EXPECT_FALSE(RetriesExhausted(9, 9, 3));
  // ...but have a ceiling of their own.
  EXPECT_TRUE(RetriesExhausted(10, 10, 3));
  // Mixed: 4 plain failures end it whatever the throttling.
  EXPECT_TRUE(RetriesExhausted(6, 2, 3));
  EXPECT_FALSE(RetriesExhausted(5, 2, 3));
  // No retries at all.
  EXPECT_TRUE(RetriesExhausted(1, 0, 0));
}

TEST(RetryPolicyTest, FailureReason) {
  EXPECT_EQ(FailureReason("http 404", 1), "http 404");
  EXPECT_EQ(FailureReason("timeout", 4), "timeout after 4 attempts");
}

}  // namespace
}  // namespace cfm
