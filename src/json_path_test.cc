#include "json_path.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cfm {
namespace {

using nlohmann::json;

JsonPath P(const char* text) {
  Result<JsonPath> path = JsonPath::Parse(text);
  EXPECT_TRUE(path.ok()) << path.status().ToString();
  return path.ok() ? *path : JsonPath();
}

std::vector<std::string> Strings(const json& item, const char* path) {
  std::vector<std::string_view> views;
  CollectStrings(item, P(path), &views);
  return std::vector<std::string>(views.begin(), views.end());
}

TEST(JsonPathTest, DottedNamesWalkObjects) {
  json body = json::parse(R"({"meta":{"next_cursor":"abc"},"n":3})");
  const json* found = P("meta.next_cursor").Find(body);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(*found, "abc");
  EXPECT_EQ(P("meta.missing").Find(body), nullptr);
  EXPECT_EQ(P("n.deeper").Find(body), nullptr);  // step into a number
  EXPECT_EQ(*P("").Find(body), body);
}

TEST(JsonPathTest, BracketsWalkArraysSoOneItemGivesSeveralUrls) {
  json item = json::parse(
      R"({"images":[{"url":"a"},{"url":"b"},{"size":1},{"url":"c"}]})");
  EXPECT_EQ(Strings(item, "images[].url"),
            (std::vector<std::string>{"a", "b", "c"}));
  json root = json::parse(R"([{"u":"x"},{"u":"y"}])");
  EXPECT_EQ(Strings(root, "[].u"), (std::vector<std::string>{"x", "y"}));
}

TEST(JsonPathTest, ArrayOfStringsCountsAsElementsAndNonStringsAreCounted) {
  json item = json::parse(R"({"urls":["a","b",7,null]})");
  std::vector<std::string_view> out;
  EXPECT_EQ(CollectStrings(item, P("urls"), &out), 2u);
  EXPECT_EQ(out.size(), 2u);
  out.clear();
  EXPECT_EQ(CollectStrings(json::parse(R"({"url":null})"), P("url"), &out), 1u);
  EXPECT_TRUE(out.empty());
}

TEST(JsonPathTest, ParseRejectsMalformedPaths) {
  EXPECT_FALSE(JsonPath::Parse("a..b").ok());
  EXPECT_FALSE(JsonPath::Parse("a.").ok());
  EXPECT_FALSE(JsonPath::Parse("a[0].b").ok());
  EXPECT_FALSE(JsonPath::Parse("a[]x").ok());
  EXPECT_FALSE(JsonPath::Parse("a.[]").ok());
  EXPECT_TRUE(JsonPath::Parse("[]").ok());
  EXPECT_TRUE(JsonPath::Parse("data.items").ok());
}

TEST(JsonPathTest, FindItemsAcceptsArrayAtPathOrBodyItself) {
  json wrapped = json::parse(R"({"data":{"items":[1,2,3]}})");
  Result<std::vector<const json*>> items = FindItems(wrapped, P("data.items"));
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 3u);
  json bare = json::parse("[4,5]");
  items = FindItems(bare, P(""));
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(*items->at(1), 5);
  json empty = json::parse(R"({"data":{"items":[]}})");
  EXPECT_TRUE(FindItems(empty, P("data.items"))->empty());
  json null_list = json::parse(R"({"data":{"items":null}})");
  EXPECT_TRUE(FindItems(null_list, P("data.items"))->empty());
}

TEST(JsonPathTest, FindItemsFailsWhenNoArrayIsThere) {
  json error_body = json::parse(R"({"error":"boom"})");
  Result<std::vector<const json*>> items = FindItems(error_body, P("data"));
  ASSERT_FALSE(items.ok());
  EXPECT_EQ(items.status().code(), Status::Code::kCorruption);
  EXPECT_NE(items.status().message().find("'data'"), std::string::npos);
  EXPECT_FALSE(FindItems(error_body, P("")).ok());
}

TEST(JsonPathTest, FindItemsWalkingArraysReturnsEveryValue) {
  json body = json::parse(R"({"groups":[{"items":[1,2]},{"items":[3]}]})");
  Result<std::vector<const json*>> items =
      FindItems(body, P("groups[].items[]"));
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 3u);
}

}  // namespace
}  // namespace cfm
