#include "url_set.h"

#include <gtest/gtest.h>

#include <string>

namespace cfm {
namespace {

TEST(UrlSetTest, InsertReportsNewAndDuplicate) {
  UrlSet set;
  EXPECT_TRUE(set.Insert("https://a.example/1.jpg"));
  EXPECT_TRUE(set.Insert("https://a.example/2.jpg"));
  EXPECT_FALSE(set.Insert("https://a.example/1.jpg"));
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.Contains("https://a.example/2.jpg"));
  EXPECT_FALSE(set.Contains("https://a.example/3.jpg"));
}

TEST(UrlSetTest, EmptySetContainsNothing) {
  UrlSet set;
  EXPECT_FALSE(set.Contains(""));
  EXPECT_EQ(set.size(), 0u);
  EXPECT_TRUE(set.Insert(""));
  EXPECT_TRUE(set.Contains(""));
}

TEST(UrlSetTest, SurvivesGrowthWithManyUrls) {
  UrlSet set;
  const int n = 200000;
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(set.Insert("https://d.example/img/" + std::to_string(i)));
  EXPECT_EQ(set.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; i += 7)
    ASSERT_FALSE(set.Insert("https://d.example/img/" + std::to_string(i)));
  for (int i = n; i < n + 1000; ++i)
    ASSERT_FALSE(set.Contains("https://d.example/img/" + std::to_string(i)));
  EXPECT_EQ(set.size(), static_cast<size_t>(n));
}

TEST(UrlSetTest, ReserveAvoidsGrowthAndBoundsMemory) {
  UrlSet set;
  set.Reserve(4000000);
  size_t bytes = set.MemoryBytes();
  EXPECT_LE(bytes, 150u * 1024 * 1024);  // 4M URLs well under 300 MB
  for (int i = 0; i < 100000; ++i) set.Insert("u" + std::to_string(i));
  EXPECT_EQ(set.MemoryBytes(), bytes);
}

TEST(UrlSetTest, FingerprintDiffersForSimilarUrlsAndIsStable) {
  // Tail lengths 0..31 exercise every branch of the hash.
  std::string base = "https://d278yjzsv5tla9.cloudfront.net/";
  Fingerprint128 prev = Fingerprint(base);
  for (char c = 'a'; c <= 'z'; ++c) {
    base += c;
    Fingerprint128 fp = Fingerprint(base);
    EXPECT_FALSE(fp == prev);
    EXPECT_TRUE(fp == Fingerprint(base));
    prev = fp;
  }
}

TEST(UrlSetTest, FingerprintMatchesReferenceMurmur3) {
  // MurmurHash3_x64_128("hello", seed 0) = cbd8a7b341bd9b02 5b1e906a48ae1d19
  Fingerprint128 fp = Fingerprint("hello");
  EXPECT_EQ(fp.lo, 0xcbd8a7b341bd9b02ULL);
  EXPECT_EQ(fp.hi, 0x5b1e906a48ae1d19ULL);
}

TEST(UrlSetTest, ClearEmptiesTheSet) {
  UrlSet set;
  set.Insert("x");
  set.Clear();
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.Contains("x"));
  EXPECT_TRUE(set.Insert("x"));
}

}  // namespace
}  // namespace cfm
