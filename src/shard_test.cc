#include "shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace cfm {
namespace {

std::string Key(int i) {
  return "images/auctionimages/" + std::to_string(i * 7919 % 1000003) + "/" +
         std::to_string(i) + ".jpg";
}

std::function<const char*(const char*)> Env(
    std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(ShardTest, Fnv1a64MatchesPublishedVectors) {
  // From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv).
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(ShardTest, ShardDependsOnTheKeyOnlyNotOnOrderOrAppending) {
  std::vector<std::string> keys;
  for (int i = 0; i < 2000; ++i) keys.push_back(Key(i));
  std::map<std::string, int> before;
  for (const std::string& k : keys) before[k] = ShardOf(k, 16);
  std::shuffle(keys.begin(), keys.end(), std::mt19937(42));
  for (int i = 2000; i < 3000; ++i) keys.push_back(Key(i));  // appended
  for (const std::string& k : keys) {
    auto it = before.find(k);
    if (it != before.end()) {
      EXPECT_EQ(ShardOf(k, 16), it->second) << k;
    }
  }
}

TEST(ShardTest, EveryKeyInExactlyOneShard) {
  for (int i = 0; i < 5000; ++i) {
    int owners = 0;
    for (int s = 0; s < 7; ++s) owners += ShardSpec{s, 7}.Owns(Key(i));
    EXPECT_EQ(owners, 1) << Key(i);
  }
  EXPECT_TRUE(ShardSpec{}.Owns("anything"));  // one shard owns everything
}

TEST(ShardTest, BalancedWithinFivePercentOverAMillionKeys) {
  for (int count : {4, 16, 100}) {
    std::vector<int> sizes(count);
    constexpr int kKeys = 1000000;
    for (int i = 0; i < kKeys; ++i) ++sizes[ShardOf(Key(i), count)];
    double mean = static_cast<double>(kKeys) / count;
    for (int s = 0; s < count; ++s)
      EXPECT_NEAR(sizes[s], mean, mean * 0.05)
          << "shard " << s << " of " << count;
  }
}

TEST(ShardTest, LabelsAndFolders) {
  ShardSpec s{3, 16};
  EXPECT_EQ(s.Label(), "shard 3 of 16");
  EXPECT_EQ(s.Folder(), "shard-3-of-16");
  ShardSpec parsed;
  ASSERT_TRUE(ParseShardFolder("shard-3-of-16/", &parsed));
  EXPECT_EQ(parsed.index, 3);
  EXPECT_EQ(parsed.count, 16);
  EXPECT_FALSE(ParseShardFolder("shard-16-of-16", &parsed));
  EXPECT_FALSE(ParseShardFolder("shard-x-of-2", &parsed));
  EXPECT_FALSE(ParseShardFolder("completed", &parsed));
}

TEST(ShardTest, IndexFromSettingThenBatchThenKubernetes) {
  auto both =
      Env({{"AWS_BATCH_JOB_ARRAY_INDEX", "2"}, {"JOB_COMPLETION_INDEX", "3"}});
  EXPECT_EQ(ResolveShard(4, "1", both)->index, 1);
  EXPECT_EQ(ResolveShard(4, "", both)->index, 2);
  EXPECT_EQ(ResolveShard(4, "", Env({{"JOB_COMPLETION_INDEX", "3"}}))->index,
            3);
  Result<ShardSpec> none = ResolveShard(4, "", Env({}));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->index, 0);
  EXPECT_EQ(none->count, 4);
}

TEST(ShardTest, BadIndexNamesWhereItCameFrom) {
  Result<ShardSpec> r = ResolveShard(4, "4", Env({}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("SHARD_INDEX=4"), std::string::npos);
  r = ResolveShard(4, "", Env({{"JOB_COMPLETION_INDEX", "x"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("JOB_COMPLETION_INDEX=x"),
            std::string::npos);
  // An engine index with SHARD_COUNT left at 1: every worker would copy
  // the whole list.
  r = ResolveShard(1, "", Env({{"AWS_BATCH_JOB_ARRAY_INDEX", "5"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("set SHARD_COUNT"), std::string::npos);
  EXPECT_FALSE(ResolveShard(4, "-1", Env({})).ok());
}

}  // namespace
}  // namespace cfm
