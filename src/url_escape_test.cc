#include "url_escape.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

const std::string kBase = "https://d1.cloudfront.net/";

TEST(UrlEscapeTest, LegalUrlsAreUnchanged) {
  for (std::string u :
       {kBase + "a/b.jpg", kBase + "a%20b.jpg", kBase + "x%2Fy.jpg?w=1&h=2#f",
        kBase + "a~b-c_d.e!$'()*+,;=:@.jpg"}) {
    EXPECT_EQ(NormalizeUrl(u), u);
    EXPECT_TRUE(IsNormalUrl(u)) << u;
  }
}

TEST(UrlEscapeTest, EncodesWhatARequestLineCannotCarry) {
  EXPECT_EQ(NormalizeUrl(kBase + "my photo 3.jpg"),
            kBase + "my%20photo%203.jpg");
  EXPECT_EQ(NormalizeUrl(kBase + "caf\xC3\xA9.jpg"), kBase + "caf%C3%A9.jpg");
  EXPECT_EQ(NormalizeUrl(kBase + "a\tb\x7F.jpg"), kBase + "a%09b%7F.jpg");
  EXPECT_EQ(NormalizeUrl(kBase + "a\"<>\\^`{|}.jpg"),
            kBase + "a%22%3C%3E%5C%5E%60%7B%7C%7D.jpg");
  EXPECT_FALSE(IsNormalUrl(kBase + "my photo.jpg"));
}

TEST(UrlEscapeTest, KeepsEscapesAndEncodesStrayPercent) {
  EXPECT_EQ(NormalizeUrl(kBase + "100%.jpg"), kBase + "100%25.jpg");
  EXPECT_EQ(NormalizeUrl(kBase + "a%2.jpg"), kBase + "a%252.jpg");
  EXPECT_EQ(NormalizeUrl(kBase + "a%zz%41.jpg"), kBase + "a%25zz%41.jpg");
  EXPECT_EQ(NormalizeUrl(kBase + "end%"), kBase + "end%25");
}

TEST(UrlEscapeTest, IsIdempotentAndLeavesNul) {
  const std::string odd =
      kBase + "a b%c\xFF%41" + std::string(1, '\0') + ".jpg";
  const std::string once = NormalizeUrl(odd);
  EXPECT_EQ(NormalizeUrl(once), once);
  EXPECT_NE(once.find('\0'), std::string::npos);
  EXPECT_EQ(once, kBase + "a%20b%25c%FF%41" + std::string(1, '\0') + ".jpg");
}

TEST(UrlEscapeTest, PercentEncodeComponentKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncodeComponent("aZ0-._~"), "aZ0-._~");
  EXPECT_EQ(PercentEncodeComponent("a b/c=d&\xC3\xA9"),
            "a%20b%2Fc%3Dd%26%C3%A9");
  EXPECT_EQ(PercentEncodeComponent("\xC3\xA9/", true), "%c3%a9%2f");
}

}  // namespace
}  // namespace cfm
