#include "source_answer.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

TEST(SourceAnswerTest, ParsesTheListLowerCasedWithoutBlanks) {
  EXPECT_EQ(ParseMediaTypeList(" Text/HTML , ,application/*"),
            (std::vector<std::string>{"text/html", "application/*"}));
  EXPECT_TRUE(ParseMediaTypeList("").empty());
  EXPECT_TRUE(ParseMediaTypeList(" , ").empty());
}

TEST(SourceAnswerTest, MatchesTypesIgnoringParametersAndCase) {
  EXPECT_TRUE(MediaTypeMatches("text/html; charset=UTF-8", "text/html"));
  EXPECT_TRUE(MediaTypeMatches(" TEXT/Html", "text/html"));
  EXPECT_TRUE(MediaTypeMatches("text/plain", "text/*"));
  EXPECT_TRUE(MediaTypeMatches("image/jpeg", "*/*"));
  EXPECT_FALSE(MediaTypeMatches("text/htmlx", "text/html"));
  EXPECT_FALSE(MediaTypeMatches("texts/plain", "text/*"));
  EXPECT_FALSE(MediaTypeMatches("image/jpeg", "text/html"));
  EXPECT_FALSE(MediaTypeMatches("", "text/html"));
  EXPECT_FALSE(MediaTypeMatches("text/html", ""));
}

TEST(SourceAnswerTest, AnImageInIdentityEncodingIsStored) {
  std::vector<std::string> html = {"text/html"};
  EXPECT_EQ(RejectSourceAnswer("", "image/jpeg", html), "");
  EXPECT_EQ(RejectSourceAnswer("identity", "image/jpeg", html), "");
  EXPECT_EQ(RejectSourceAnswer(" Identity ", "image/png", html), "");
  EXPECT_EQ(RejectSourceAnswer("", "", html), "");
}

TEST(SourceAnswerTest, AnyOtherEncodingIsNeverStored) {
  EXPECT_EQ(RejectSourceAnswer("gzip", "image/jpeg", {}),
            "source sent Content-Encoding: gzip");
  EXPECT_EQ(RejectSourceAnswer("br", "image/jpeg", {}),
            "source sent Content-Encoding: br");
  EXPECT_EQ(RejectSourceAnswer("gzip, identity", "image/jpeg", {}),
            "source sent Content-Encoding: gzip, identity");
  EXPECT_TRUE(IsRejectedAnswer("source sent Content-Encoding: br"));
}

TEST(SourceAnswerTest, ErrorPagesAreRejectedByType) {
  std::vector<std::string> html = {"text/html"};
  EXPECT_EQ(RejectSourceAnswer("", "text/html; charset=utf-8", html),
            "source answered text/html");
  EXPECT_EQ(RejectSourceAnswer("", "text/html", {}), "");  // check disabled
  EXPECT_TRUE(IsRejectedAnswer("source answered text/html"));
  EXPECT_FALSE(IsRejectedAnswer("source http 404"));
}

}  // namespace
}  // namespace cfm
