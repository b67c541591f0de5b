#include "scale_out.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace cfm {
namespace {

const KeyMappingOptions kMapping{"http://h/", "images/", false};

TEST(ScaleOutTest, CountsUrlsPerShardOnceEach) {
  TempDir dir;
  std::string list;
  for (int i = 0; i < 100; ++i)
    list += "http://h/" + std::to_string(i) + ".jpg\n";
  list += "http://h/7.jpg\nhttp://elsewhere/x.jpg\n";  // duplicate, malformed
  WriteFile(dir.File("urls.txt"), list);
  Result<std::vector<uint64_t>> per =
      CountUrlsPerShard(dir.File("urls.txt"), kMapping, 4);
  ASSERT_TRUE(per.ok());
  uint64_t sum = 0;
  for (int s = 0; s < 4; ++s) {
    uint64_t expected = 0;
    for (int i = 0; i < 100; ++i)
      expected += ShardOf("images/" + std::to_string(i) + ".jpg", 4) == s;
    EXPECT_EQ((*per)[s], expected) << s;
    sum += (*per)[s];
  }
  EXPECT_EQ(sum, 100u);
}

TEST(ScaleOutTest, TallyPutsNotIntactUrlsInTheirShard) {
  ShardTally t;
  t.count = 2;
  t.urls = {3, 4};
  t.not_intact = {0, 0};
  int shard = ShardOf("images/a.jpg", 2);
  t.NotIntact("http://h/a.jpg", kMapping);
  t.NotIntact("http://elsewhere/b.jpg", kMapping);  // no key: no shard
  EXPECT_EQ(t.not_intact[shard], 1u);
  EXPECT_EQ(t.not_intact[1 - shard], 0u);
  EXPECT_EQ(t.Lines().find("shard 0 of 2: 3 URLs, "), 0u) << t.Lines();
  EXPECT_EQ(t.Json()[shard]["not_intact"], 1);
  EXPECT_EQ(ShardTally().Lines(), "");
}

}  // namespace
}  // namespace cfm
