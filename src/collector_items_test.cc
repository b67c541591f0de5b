#include "collector_items.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cfm {
namespace {

using nlohmann::json;

UrlVerdict Classify(const std::string& raw, std::string* out) {
  return ClassifyUrl(raw, "https://cdn.example/", out);
}

TEST(CollectorItemsTest, UrlsAreNormalisedBeforeThePrefixCheck) {
  std::string url;
  EXPECT_EQ(Classify("https://cdn.example/my photo 3.jpg", &url),
            UrlVerdict::kKeep);
  EXPECT_EQ(url, "https://cdn.example/my%20photo%203.jpg");
  EXPECT_EQ(Classify("https://cdn.example/\xE5\x86\x99.jpg", &url),
            UrlVerdict::kKeep);
  EXPECT_EQ(url, "https://cdn.example/%E5%86%99.jpg");
  EXPECT_EQ(Classify("  https://cdn.example/a%2Fb.jpg\r\n", &url),
            UrlVerdict::kKeep);
  EXPECT_EQ(url, "https://cdn.example/a%2Fb.jpg");
  EXPECT_EQ(Classify("https://cdn.example/tab\there.jpg", &url),
            UrlVerdict::kKeep);
  EXPECT_EQ(url, "https://cdn.example/tab%09here.jpg");
}

TEST(CollectorItemsTest, SkipsHaveTheirTrueReason) {
  std::string url;
  EXPECT_EQ(Classify("https://other.example/a.jpg", &url),
            UrlVerdict::kForeign);
  EXPECT_EQ(Classify("HTTP://other.example/a.jpg", &url), UrlVerdict::kForeign);
  EXPECT_EQ(Classify("/auctionimages/a.jpg", &url), UrlVerdict::kNotUrl);
  EXPECT_EQ(Classify("a.jpg", &url), UrlVerdict::kNotUrl);
  EXPECT_EQ(Classify("", &url), UrlVerdict::kNotUrl);
  EXPECT_EQ(Classify("https:///a.jpg", &url), UrlVerdict::kNotUrl);
  EXPECT_EQ(Classify("https://cdn.example/", &url), UrlVerdict::kNotUrl);
  EXPECT_EQ(Classify(std::string("https://cdn.example/a\0b", 22), &url),
            UrlVerdict::kNotUrl);
  EXPECT_EQ(Classify("ftp://cdn.example/a.jpg", &url), UrlVerdict::kNotUrl);
}

TEST(CollectorItemsTest, TallyKeepsTheFirstExampleRedactedAndShort) {
  SkipTally t;
  Secret secret{"tok", ""};
  t.Add("https://x/?k=tok", secret);
  t.Add("second", secret);
  EXPECT_EQ(t.count, 2);
  EXPECT_EQ(t.example, "https://x/?k=***");
  SkipTally long_one;
  long_one.Add(std::string(500, 'a'), secret);
  EXPECT_EQ(long_one.example, std::string(160, 'a') + "…");
}

TEST(CollectorItemsTest, DescribeItemShowsKeysWithShortValuesAndNoToken) {
  json item = json::parse(R"({"id": 7, "secret": "abc-tok-def",
      "image": {"url": "https://cdn.example/auctionimages/1/very-long.jpg"}})");
  EXPECT_EQ(DescribeItem(item, Secret{"tok", ""}),
            R"({"id": 7, "image": {"url": "https://cdn.example/auc…"}, )"
            R"("secret": "abc-***-def"})");
  EXPECT_EQ(DescribeItem(json(42), Secret{}), "42");
}

TEST(CollectorItemsTest, FindUrlPathSuggestsTheField) {
  EXPECT_EQ(
      FindUrlPath(json::parse(R"({"id":1,"image":{"url":"https://a/b"}})")),
      "image.url");
  EXPECT_EQ(
      FindUrlPath(json::parse(R"({"photos":[{"w":1},{"src":"http://a/b"}]})")),
      "photos[].src");
  EXPECT_EQ(FindUrlPath(json::parse(R"({"urls":["https://a/b"]})")), "urls[]");
  EXPECT_EQ(FindUrlPath(json::parse(R"({"id":1,"name":"x"})")), "");
}

TEST(CollectorItemsTest, CutShortKeepsUtf8Whole) {
  EXPECT_EQ(CutShort("abc", 5), "abc");
  EXPECT_EQ(CutShort("ab\xC3\xA9z", 3), "ab…");
}

}  // namespace
}  // namespace cfm
