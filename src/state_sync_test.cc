#include "state_sync.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "test_util.h"

namespace cfm {
namespace {

const char kPrefix[] = "run/shard-1-of-4/";

std::string Line(int i) {
  return "http://h/" + std::to_string(i) + ".jpg\timages/" + std::to_string(i) +
         ".jpg\t" + std::to_string(100 + i) + "\t\tb\n";
}

struct Rig {
  TempDir dir;
  MemoryObjectStore store;
  StateSyncOptions Options() {
    StateSyncOptions o;
    o.store = &store;
    o.shard_prefix = kPrefix;
    o.completed_path = dir.File("completed.txt");
    o.failed_path = dir.File("failed_transfers.txt");
    o.status_path = dir.File("status.json");
    o.marker_path = dir.File("completed.uploaded");
    o.stem = "20261202T000000Z-abcdef01";
    return o;
  }
  std::vector<std::string> Segments() {
    return *store.List(std::string(kPrefix) + "completed/");
  }
};

TEST(StateSyncTest, UploadsOnlyNewCompleteLinesAsNewSegments) {
  Rig rig;
  WriteFile(rig.dir.File("completed.txt"),
            kCompletedHeader + Line(1) + Line(2) + "http://h/torn");
  StateSync sync(rig.Options());
  sync.Init();
  ASSERT_TRUE(sync.SyncOnce().ok());
  ASSERT_EQ(rig.Segments().size(), 1u);
  std::string first = *rig.store.Get(rig.Segments()[0]);
  EXPECT_EQ(first.find("torn"), std::string::npos);  // not whole yet
  EXPECT_NE(first.find(Line(2)), std::string::npos);
  // Nothing new: no new segment; the torn line completed: one more.
  ASSERT_TRUE(sync.SyncOnce().ok());
  EXPECT_EQ(rig.Segments().size(), 1u);
  std::ofstream(rig.dir.File("completed.txt"), std::ios::app)
      << ".jpg\timages/torn.jpg\t5\t\tb\n";
  ASSERT_TRUE(sync.SyncOnce().ok());
  ASSERT_EQ(rig.Segments().size(), 2u);
  std::string second = *rig.store.Get(rig.Segments()[1]);
  EXPECT_EQ(second, std::string(kCompletedHeader) +
                        "http://h/torn.jpg\timages/torn.jpg\t5\t\tb\n");
  // Segments are never rewritten: each name is new.
  EXPECT_EQ(rig.store.puts(), 2u);
}

TEST(StateSyncTest, RestartInTheSameDirUploadsOnlyTheRest) {
  Rig rig;
  WriteFile(rig.dir.File("completed.txt"), kCompletedHeader + Line(1));
  {
    StateSync sync(rig.Options());
    sync.Init();
    ASSERT_TRUE(sync.SyncOnce().ok());
  }
  std::ofstream(rig.dir.File("completed.txt"), std::ios::app) << Line(2);
  StateSyncOptions o = rig.Options();
  o.stem = "20261202T000100Z-12345678";
  StateSync again(o);
  again.Init();
  ASSERT_TRUE(again.SyncOnce().ok());
  ASSERT_EQ(rig.Segments().size(), 2u);
  EXPECT_EQ(*rig.store.Get(rig.Segments()[1]),
            std::string(kCompletedHeader) + Line(2));
}

TEST(StateSyncTest, MarkerOfAnotherPrefixCountsAsNothing) {
  Rig rig;
  WriteFile(rig.dir.File("completed.txt"), kCompletedHeader + Line(1));
  WriteFile(rig.dir.File("completed.uploaded"), "5 1 other/shard-0-of-2/\n");
  StateSync sync(rig.Options());
  sync.Init();
  EXPECT_EQ(sync.uploaded_bytes(), 0u);
}

TEST(StateSyncTest, ARewrittenCompletedFileIsUploadedAgainWhole) {
  Rig rig;
  WriteFile(rig.dir.File("completed.txt"),
            kCompletedHeader + Line(1) + Line(2));
  {
    StateSync sync(rig.Options());
    sync.Init();
    ASSERT_TRUE(sync.SyncOnce().ok());
  }
  // validate prunes through a new file: same path, another inode.
  WriteFile(rig.dir.File("new.txt"), kCompletedHeader + Line(2) + Line(3));
  std::rename(rig.dir.File("new.txt").c_str(),
              rig.dir.File("completed.txt").c_str());
  StateSync again(rig.Options());
  again.Init();
  EXPECT_EQ(again.uploaded_bytes(), 0u);
}

TEST(StateSyncTest, StatusAndFailuresUploadedWhenChangedReportAtFinish) {
  Rig rig;
  WriteFile(rig.dir.File("status.json"), "{\"command\":\"migrate\"}\n");
  WriteFile(rig.dir.File("failed_transfers.txt"), "http://h/x.jpg\thttp 404\n");
  WriteFile(rig.dir.File("report.json"), "{}\n");
  StateSync sync(rig.Options());
  sync.Init();
  ASSERT_TRUE(sync.SyncOnce().ok());
  ASSERT_TRUE(sync.SyncOnce().ok());
  EXPECT_EQ(rig.store.puts(), 2u);  // unchanged files are not re-sent
  EXPECT_EQ(*rig.store.Get(std::string(kPrefix) + "failed_transfers.txt"),
            "http://h/x.jpg\thttp 404\n");
  ASSERT_TRUE(sync.Finish(rig.dir.File("report.json")).ok());
  EXPECT_EQ(*rig.store.Get(std::string(kPrefix) + "migration_report.json"),
            "{}\n");
}

TEST(StateSyncTest, AnEmptyFailureListIsUploadedOnce) {
  Rig rig;
  WriteFile(rig.dir.File("failed_transfers.txt"), "");
  StateSync sync(rig.Options());
  sync.Init();
  ASSERT_TRUE(sync.SyncOnce().ok());
  ASSERT_TRUE(sync.SyncOnce().ok());
  EXPECT_EQ(rig.store.puts(), 1u);
  EXPECT_EQ(*rig.store.Get(std::string(kPrefix) + "failed_transfers.txt"), "");
}

// A store whose writes fail, as S3 does when the role lacks s3:PutObject.
class RefusingStore : public MemoryObjectStore {
 public:
  Status Put(const std::string& key, const std::string&) override {
    return Status::Auth("PUT " + key + ": 403 AccessDenied");
  }
};

TEST(StateSyncTest, FailedUploadsStayPendingAndFinishReportsThem) {
  Rig rig;
  RefusingStore refusing;
  StateSyncOptions o = rig.Options();
  o.store = &refusing;
  WriteFile(rig.dir.File("completed.txt"), kCompletedHeader + Line(1));
  StateSync sync(o);
  sync.Init();
  EXPECT_FALSE(sync.SyncOnce().ok());
  EXPECT_EQ(sync.uploaded_bytes(), 0u);  // still pending
  Status s = sync.Finish(rig.dir.File("report.json"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("AccessDenied"), std::string::npos);
  EXPECT_EQ(ReadFile(rig.dir.File("completed.uploaded")), "");
}

TEST(StateSyncTest, RestoreSkipsTornAndGarbledLines) {
  MemoryObjectStore store;
  TempDir dir;
  ASSERT_TRUE(store
                  .Put(SegmentKey(kPrefix, "a", 1),
                       kCompletedHeader + Line(1) + "garbled\n")
                  .ok());
  ASSERT_TRUE(store
                  .Put(SegmentKey(kPrefix, "a", 2),
                       kCompletedHeader + Line(2) + "http://h/3.jpg\timag")
                  .ok());
  ASSERT_TRUE(store.Put("run/shard-2-of-4/completed/x", Line(9)).ok());
  Result<RestoreCounts> r =
      RestoreCompleted(&store, kPrefix, dir.File("completed.txt"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->segments, 2u);
  EXPECT_EQ(r->records, 2u);
  EXPECT_EQ(ReadFile(dir.File("completed.txt")),
            kCompletedHeader + Line(1) + Line(2));
}

TEST(StateSyncTest, RestoreOfNothingLeavesNoFile) {
  MemoryObjectStore store;
  TempDir dir;
  Result<RestoreCounts> r =
      RestoreCompleted(&store, kPrefix, dir.File("completed.txt"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records, 0u);
  EXPECT_EQ(ReadFile(dir.File("completed.txt")), "");
}

TEST(StateSyncTest, SegmentKeysSortInWriteOrder) {
  EXPECT_LT(SegmentKey("p/", "s", 9), SegmentKey("p/", "s", 10));
  EXPECT_EQ(SegmentKey("p/", "s", 7), "p/completed/s-000007.txt");
}

}  // namespace
}  // namespace cfm
