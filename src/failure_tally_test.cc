#include "failure_tally.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

TEST(FailureTallyTest, ReasonClassDropsWhatVaries) {
  EXPECT_EQ(ReasonClass("timeout after 4 attempts"), "timeout");
  EXPECT_EQ(ReasonClass("truncated body (got 10 of 20 bytes) after 2 attempts"),
            "truncated body");
  EXPECT_EQ(ReasonClass("http 404"), "http 404");
  EXPECT_EQ(ReasonClass("source truncated body (got 1 of 2 bytes)"),
            "source truncated body");
  EXPECT_EQ(ReasonClass("s3 SlowDown after 9 attempts"), "s3 SlowDown");
}

TEST(FailureTallyTest, KindOf) {
  EXPECT_EQ(KindOf("http 404"), FailureKind::kGone);
  EXPECT_EQ(KindOf("source http 404"), FailureKind::kGone);
  EXPECT_EQ(KindOf("source http 503"), FailureKind::kRetryable);
  // Gone means what validate's gone.txt means: 404, 410, 403 only.
  EXPECT_EQ(KindOf("source http 401"), FailureKind::kRetryable);
  EXPECT_EQ(KindOf("source http 429"), FailureKind::kRetryable);
  EXPECT_EQ(KindOf("source http 408"), FailureKind::kRetryable);
  EXPECT_EQ(KindOf("source http 4000"), FailureKind::kRetryable);
  EXPECT_EQ(KindOf("http 410"), FailureKind::kGone);
  EXPECT_EQ(KindOf("http 403"), FailureKind::kGone);
  EXPECT_EQ(KindOf("malformed url: no host"), FailureKind::kMalformed);
  EXPECT_EQ(KindOf("http 503"), FailureKind::kRetryable);
  EXPECT_EQ(KindOf("timeout"), FailureKind::kRetryable);
}

TEST(FailureTallyTest, FeedKeepsPartialLinesAndFirstExamples) {
  FailureTally t;
  t.Feed("https://h/a\thttp 404\nhttps://h/b\ttimeout after 4 att");
  t.Feed("empts\nhttps://h/c\thttp 404\n");
  ASSERT_EQ(t.by_reason().size(), 2u);
  EXPECT_EQ(t.by_reason().at("http 404").count, 2u);
  EXPECT_EQ(t.by_reason().at("http 404").example, "https://h/a");
  EXPECT_TRUE(t.by_reason().at("http 404").gone);
  EXPECT_EQ(t.by_reason().at("timeout").example, "https://h/b");
  EXPECT_EQ(t.Count(FailureKind::kGone), 2u);
  EXPECT_EQ(t.Count(FailureKind::kRetryable), 1u);
}

TEST(FailureTallyTest, FormatGroups) {
  FailureTally t;
  t.Add("https://h/a", "http 404");
  t.Add("https://h/b", "timeout after 4 attempts");
  t.Add("https://h/c", "timeout after 4 attempts");
  t.Add("ftp://x", "malformed url: not an http(s) URL");
  std::vector<std::string> want = {
      "1 URL gone at the source (a re-run will not help):",
      "  1 x http 404, e.g. https://h/a",
      "1 URL not a usable URL (fix the list):",
      "  1 x malformed url: not an http(s) URL, e.g. ftp://x",
      "2 URLs retryable (a re-run may succeed):",
      "  2 x timeout, e.g. https://h/b",
  };
  EXPECT_EQ(FormatFailureGroups(t.by_reason()), want);
  EXPECT_TRUE(FormatFailureGroups({}).empty());
}

TEST(FailureTallyTest, Plural) {
  EXPECT_EQ(Plural(1, "URL"), "1 URL");
  EXPECT_EQ(Plural(0, "URL"), "0 URLs");
  EXPECT_EQ(Plural(2, "key", "keys"), "2 keys");
  EXPECT_EQ(Plural(3, "entry", "entries"), "3 entries");
}

}  // namespace
}  // namespace cfm
