#include "validate_report.h"

#include <gtest/gtest.h>

#include "commands.h"

namespace cfm {
namespace {

ValidateReport Report(size_t expected, size_t verified) {
  ValidateReport r;
  r.bucket = "b";
  r.prefix = "p-";
  r.urls_file = "urls.txt";
  r.gone_path = "gone.txt";
  r.missing_path = "missing.txt";
  r.result.counts.expected = expected;
  r.result.counts.present = verified;
  r.result.counts.verified = verified;
  return r;
}

bool Says(const ValidateReport& r, const std::string& text) {
  return ValidateSummary(r).find(text) != std::string::npos;
}

TEST(ValidateReportTest, IntactOnlyWhenEveryExpectedObjectIsVerified) {
  ValidateReport r = Report(3, 3);
  EXPECT_TRUE(CompleteAndIntact(r));
  EXPECT_EQ(ValidateExitCode(r), kExitOk);
  EXPECT_TRUE(Says(r, "RESULT: complete and intact\n"));
  EXPECT_TRUE(Says(r, "NOT the bytes"));
  // Present but unverified (no size to trust) is not intact.
  r = Report(3, 2);
  r.result.counts.unverified = 1;
  EXPECT_FALSE(CompleteAndIntact(r));
  EXPECT_EQ(ValidateExitCode(r), kExitFailures);
  EXPECT_TRUE(Says(r, "RESULT: NOT complete/intact\n"));
  // A malformed line is not intact either.
  r = Report(3, 3);
  r.result.counts.malformed = 1;
  EXPECT_EQ(ValidateExitCode(r), kExitFailures);
}

TEST(ValidateReportTest, AnEmptyListIsNeverComplete) {
  ValidateReport r = Report(0, 0);
  EXPECT_FALSE(CompleteAndIntact(r));
  EXPECT_NE(ValidateExitCode(r), kExitOk);
  EXPECT_FALSE(Says(r, "RESULT: complete and intact"));
}

TEST(ValidateReportTest, GoneIsItsOwnVerdict) {
  ValidateReport r = Report(3, 2);
  r.result.counts.gone = 1;
  r.gone_lines = 1;
  EXPECT_FALSE(CompleteAndIntact(r));
  EXPECT_TRUE(CompleteExceptGone(r));
  EXPECT_EQ(ValidateExitCode(r), kExitFailures);
  EXPECT_TRUE(Says(r, "RESULT: complete except 1 gone at the source\n"));
  EXPECT_TRUE(Says(r, "--accept-gone makes this exit 0"));
  r.accept_gone = true;
  EXPECT_EQ(ValidateExitCode(r), kExitOk);
  EXPECT_TRUE(Says(r,
                   "RESULT: complete except 1 gone at the source (accepted: "
                   "--accept-gone)\n"));
  EXPECT_EQ(ValidateReportJson(r)["complete_except_gone"], true);
  EXPECT_EQ(ValidateReportJson(r)["complete_and_intact"], false);
  // Gone and something a re-run can fix: not complete, whatever the flag.
  r = Report(3, 1);
  r.result.counts.gone = 1;
  r.result.counts.missing = 1;
  r.accept_gone = true;
  EXPECT_FALSE(CompleteExceptGone(r));
  EXPECT_EQ(ValidateExitCode(r), kExitFailures);
  EXPECT_TRUE(Says(r, "RESULT: NOT complete/intact\n"));
}

TEST(ValidateReportTest, DeniedCheckIsAConfigurationError) {
  ValidateReport r = Report(1, 0);
  r.deep_enabled = true;
  r.deep.errors = r.deep.denied = 1;
  r.result.counts.unverified = 1;
  EXPECT_EQ(ValidateExitCode(r), kExitConfig);
}

}  // namespace
}  // namespace cfm
