#include "status_union.h"

#include <gtest/gtest.h>

#include "completed_log.h"
#include "state_sync.h"
#include "test_util.h"

namespace cfm {
namespace {

std::string StatusText(uint64_t done, uint64_t total, int64_t updated,
                       std::optional<int> exit_code) {
  RunStatus s;
  s.command = "migrate";
  s.done = done;
  s.total = total;
  s.updated_at = updated;
  s.exit_code = exit_code;
  s.outcome = exit_code ? "complete" : "";
  return StatusToJson(s);
}

TEST(StatusUnionTest, AggregatesMarksDeadAndNotStarted) {
  MemoryObjectStore store;
  const int64_t now = 1000000;
  ASSERT_TRUE(
      store.Put("p/shard-0-of-3/status.json", StatusText(10, 10, now - 500, 0))
          .ok());
  ASSERT_TRUE(store
                  .Put("p/shard-1-of-3/status.json",
                       StatusText(4, 10, now - 61, std::nullopt))
                  .ok());
  ASSERT_TRUE(store.Put("p/shard-1-of-3/completed/a-000001.txt", "x").ok());
  ASSERT_TRUE(store.Put("p/other.txt", "x").ok());
  Result<std::vector<ShardView>> v = LoadShardViews(&store, "p/", now);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 3u);
  EXPECT_FALSE((*v)[0].dead);  // ended long ago: not dead
  EXPECT_TRUE((*v)[1].dead);
  EXPECT_EQ((*v)[1].segments, 1u);
  EXPECT_FALSE((*v)[2].has_status);
  std::vector<std::string> lines = FormatShardViews(*v, now);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].find("shard 0 of 3: ended: complete (exit 0)"), 0u);
  EXPECT_EQ(lines[1].find("shard 1 of 3: DEAD"), 0u) << lines[1];
  EXPECT_NE(lines[2].find("not started"), std::string::npos);
  EXPECT_NE(lines[3].find("14 of 20 done"), std::string::npos) << lines[3];
  EXPECT_NE(lines[3].find("1 ended, 1 dead, 1 not started"), std::string::npos)
      << lines[3];
  EXPECT_NE(ShardViewsJson(*v).find("\"dead\":[1]"), std::string::npos);
}

TEST(StatusUnionTest, RunningShardUpdatedRecentlyIsAlive) {
  MemoryObjectStore store;
  ASSERT_TRUE(store
                  .Put("p/shard-0-of-1/status.json",
                       StatusText(1, 10, 990, std::nullopt))
                  .ok());
  Result<std::vector<ShardView>> v = LoadShardViews(&store, "p/", 1000);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE((*v)[0].dead);
  EXPECT_EQ(FormatShardViews(*v, 1000)[0].find("shard 0 of 1: running"), 0u);
}

TEST(StatusUnionTest, ListOfAnotherEtagIsRefusedOnlyWhileThatShardLives) {
  MemoryObjectStore store;
  ASSERT_TRUE(store
                  .Put("p/shard-0-of-2/status.json",
                       StatusText(1, 10, 995, std::nullopt))
                  .ok());
  ASSERT_TRUE(
      store.Put("p/shard-0-of-2/list.json", ListJson("s3://b/l", "\"A\""))
          .ok());
  auto v = LoadShardViews(&store, "p/", 1000);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(CheckSameList(*v, ShardSpec{1, 2}, "\"A\"").ok());
  Status s = CheckSameList(*v, ShardSpec{1, 2}, "\"B\"");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("changed while shards run"), std::string::npos);
  // The shard itself (restarted) may read a new list.
  EXPECT_TRUE(CheckSameList(*v, ShardSpec{0, 2}, "\"B\"").ok());
  // Once that shard is dead or ended, a new list is fine.
  v = LoadShardViews(&store, "p/", 2000);
  EXPECT_TRUE(CheckSameList(*v, ShardSpec{1, 2}, "\"B\"").ok());
}

TEST(StatusUnionTest, MergesEachSegmentOnceAcrossShards) {
  MemoryObjectStore store;
  TempDir dir;
  std::string a = "http://h/a.jpg\timages/a.jpg\t1\t\tb\n";
  std::string b = "http://h/b.jpg\timages/b.jpg\t2\t\tb\n";
  ASSERT_TRUE(
      store.Put(SegmentKey("p/shard-0-of-2/", "s", 1), kCompletedHeader + a)
          .ok());
  ASSERT_TRUE(store
                  .Put(SegmentKey("p/shard-1-of-2/", "s", 1),
                       kCompletedHeader + b + "http://h/torn")
                  .ok());
  std::string completed = dir.File("completed.txt"),
              merged = dir.File("merged.txt");
  auto u =
      MergeUnionRecords(&store, "p/", *store.List("p/"), completed, merged);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->segments, 2u);
  EXPECT_EQ(u->records, 2u);
  EXPECT_EQ(u->shard_count, 2);
  EXPECT_EQ(ReadFile(completed), kCompletedHeader + a + b);
  u = MergeUnionRecords(&store, "p/", *store.List("p/"), completed, merged);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->segments, 0u);
  EXPECT_EQ(u->known_segments, 2u);
  EXPECT_EQ(ReadFile(completed), kCompletedHeader + a + b);
}

TEST(StatusUnionTest, MergesEveryShardsFailureListReplacingTheLastMerge) {
  MemoryObjectStore store;
  TempDir dir;
  std::string out = dir.File("union_failed.txt");
  ASSERT_TRUE(store
                  .Put("p/shard-0-of-2/failed_transfers.txt",
                       "http://h/a.jpg\tsource http 404")
                  .ok());  // no final newline
  ASSERT_TRUE(store
                  .Put("p/shard-1-of-2/failed_transfers.txt",
                       "http://h/b.jpg\tsource http 410\n")
                  .ok());
  ASSERT_TRUE(store.Put("p/shard-1-of-2/status.json", "{}").ok());
  ASSERT_TRUE(store.Put("p/other/failed_transfers.txt", "x\n").ok());
  Result<size_t> n = MergeUnionFailures(&store, "p/", *store.List("p/"), out);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(ReadFile(out),
            "http://h/a.jpg\tsource http 404\nhttp://h/b.jpg\tsource http "
            "410\n");
  // A shard's re-run replaced its list: the merge follows, nothing stale.
  ASSERT_TRUE(store.Put("p/shard-0-of-2/failed_transfers.txt", "").ok());
  n = MergeUnionFailures(&store, "p/", *store.List("p/"), out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(ReadFile(out), "http://h/b.jpg\tsource http 410\n");
}

}  // namespace
}  // namespace cfm
