#include "key_mapper.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace cfm {
namespace {

const char kPrefix[] = "https://d1.cloudfront.net/";

KeyMappingOptions Flat() { return {kPrefix, "images/", false}; }
KeyMappingOptions Preserve() { return {kPrefix, "images/", true}; }

std::string Key(const std::string& url, const KeyMappingOptions& o) {
  auto r = MapUrlToKey(url, o);
  EXPECT_TRUE(r.ok()) << url << ": " << r.status().ToString();
  return r.ok() ? *r : "";
}

TEST(KeyMapperTest, FlattenedAndPreserved) {
  std::string url = std::string(kPrefix) + "auctionimages/2021/05/a.jpg";
  EXPECT_EQ(Key(url, Flat()), "images/a.jpg");
  EXPECT_EQ(Key(url, Preserve()), "images/auctionimages/2021/05/a.jpg");
  EXPECT_EQ(Key(std::string(kPrefix) + "a.jpg", Preserve()), "images/a.jpg");
}

TEST(KeyMapperTest, PercentDecodingAndNonAscii) {
  std::string base = kPrefix;
  EXPECT_EQ(Key(base + "x/caf%C3%A9.jpg", Flat()), "images/caf\xC3\xA9.jpg");
  EXPECT_EQ(Key(base + "x/caf\xC3\xA9.jpg", Flat()), "images/caf\xC3\xA9.jpg");
  EXPECT_EQ(Key(base + "x/a%20b%2bc.jpg", Flat()), "images/a b+c.jpg");
  EXPECT_EQ(Key(base + "my%20dir/a.jpg", Preserve()), "images/my dir/a.jpg");
}

TEST(KeyMapperTest, PlusIsLiteral) {
  EXPECT_EQ(Key(std::string(kPrefix) + "a+b.jpg", Flat()), "images/a+b.jpg");
}

TEST(KeyMapperTest, QueryAndFragmentDropped) {
  std::string base = kPrefix;
  EXPECT_EQ(Key(base + "x/a.jpg?v=2&s=1", Flat()), "images/a.jpg");
  EXPECT_EQ(Key(base + "x/a.jpg#frag", Preserve()), "images/x/a.jpg");
  EXPECT_EQ(Key(base + "x/a.jpg?q=/b/c.png", Flat()), "images/a.jpg");
}

TEST(KeyMapperTest, EmptyPrefixesAndHttp) {
  KeyMappingOptions any{"", "", false};
  EXPECT_EQ(Key("http://other.example/p/q.png", any), "q.png");
  EXPECT_EQ(Key("HTTPS://Other.example/p/q.png", any), "q.png");
}

void ExpectMalformed(const std::string& url, const KeyMappingOptions& o) {
  auto r = MapUrlToKey(url, o);
  ASSERT_FALSE(r.ok()) << url << " -> " << *r;
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("malformed url", 0), 0u)
      << r.status().message();
}

TEST(KeyMapperTest, Malformed) {
  std::string base = kPrefix;
  for (const auto& o : {Flat(), Preserve()}) {
    ExpectMalformed("not a url", o);
    ExpectMalformed("ftp://d1.cloudfront.net/a.jpg", o);
    ExpectMalformed("https://elsewhere.net/a.jpg", o);  // outside prefix
    ExpectMalformed(base, o);                           // no file name
    ExpectMalformed(base + "dir/", o);
    ExpectMalformed(base + "dir/?x=a.jpg", o);
    ExpectMalformed(base + "a%2.jpg", o);   // bad escape
    ExpectMalformed(base + "a%zz.jpg", o);  // bad escape
    ExpectMalformed(base + "a.jpg%", o);
    ExpectMalformed(base + "a%00b.jpg", o);  // NUL
    ExpectMalformed(base + "a%0Ab.jpg", o);  // newline
    ExpectMalformed(base + "a%FF.jpg", o);   // not UTF-8
    ExpectMalformed(base + "x/%2E%2E", o);   // ".." as a file name
    ExpectMalformed(base + "x/..", o);
    ExpectMalformed(base + std::string(1100, 'a'), o);  // too long
  }
  ExpectMalformed(base + "x/../a.jpg", Preserve());
  ExpectMalformed(base + "./a.jpg", Preserve());
  ExpectMalformed("https:///a.jpg", KeyMappingOptions{"", "", false});
  ExpectMalformed("https://host", KeyMappingOptions{"", "", false});
}

TEST(KeyMapperTest, LengthLimitCountsPrefix) {
  std::string name(1024 - 7, 'a');
  EXPECT_EQ(Key(std::string(kPrefix) + name, Flat()).size(), 1024u);
  ExpectMalformed(std::string(kPrefix) + name + "a", Flat());
}

TEST(CollisionScanTest, FindsCollisionsNotDuplicates) {
  TempDir dir;
  std::string b = kPrefix;
  WriteFile(dir.File("u.txt"), b + "a/x.jpg\n" + b + "b/y.jpg\n" + b +
                                   "a/x.jpg\n" +  // duplicate
                                   b + "c/x.jpg\n" + b + "d/x.jpg\n" + b +
                                   "e/y.jpg\n" + "garbage\n" + b + "z.jpg\n");
  auto r = ScanForCollisions(dir.File("u.txt"), Flat());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->urls, 8u);
  EXPECT_EQ(r->malformed, 1u);
  EXPECT_EQ(r->unique_urls, 6u);
  EXPECT_EQ(r->collisions, 2u);      // x.jpg and y.jpg
  EXPECT_EQ(r->colliding_urls, 5u);  // a/c/d x.jpg, b/e y.jpg
  ASSERT_EQ(r->examples.size(), 2u);
  EXPECT_EQ(r->examples[0].key, "images/x.jpg");
  EXPECT_EQ(r->examples[0].first_url, b + "a/x.jpg");
  EXPECT_EQ(r->examples[0].second_url, b + "c/x.jpg");
  EXPECT_EQ(r->examples[1].key, "images/y.jpg");
  EXPECT_EQ(r->examples[1].second_url, b + "e/y.jpg");

  auto p = ScanForCollisions(dir.File("u.txt"), Preserve());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->collisions, 0u);
  EXPECT_TRUE(p->examples.empty());
  EXPECT_EQ(p->unique_urls, 6u);
  EXPECT_EQ(p->shard_unique_urls, 6u);  // no shard: all of them

  // A shard owns some keys: collisions are still found over the whole list.
  auto s = ScanForCollisions(dir.File("u.txt"), Preserve(),
                             [](std::string_view key) {
                               return key.find("/a/") != std::string::npos ||
                                      key.find("/b/") != std::string::npos;
                             });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->unique_urls, 6u);
  EXPECT_EQ(s->shard_unique_urls, 2u);  // a/x.jpg (twice in the list), b/y
  auto f = ScanForCollisions(dir.File("u.txt"), Flat(),
                             [](std::string_view) { return false; });
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->collisions, 2u);
  EXPECT_EQ(f->shard_unique_urls, 0u);
}

TEST(CollisionScanTest, AtMostFiveExamples) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 20; ++i) {
    for (int d = 0; d < 3; ++d) {
      data += std::string(kPrefix) + "d" + std::to_string(d) + "/f" +
              std::to_string(i) + ".jpg\n";
    }
  }
  WriteFile(dir.File("u.txt"), data);
  auto r = ScanForCollisions(dir.File("u.txt"), Flat());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->collisions, 20u);
  EXPECT_EQ(r->colliding_urls, 60u);
  ASSERT_EQ(r->examples.size(), 5u);
  EXPECT_EQ(r->examples[0].key, "images/f0.jpg");
  EXPECT_EQ(r->examples[4].key, "images/f4.jpg");
}

TEST(CollisionScanTest, MissingList) {
  TempDir dir;
  auto r = ScanForCollisions(dir.File("none.txt"), Flat());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace cfm
