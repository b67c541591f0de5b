#include "result_sink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "test_util.h"

namespace cfm {
namespace {

struct SinkFixture {
  TempDir dir;
  std::unique_ptr<CompletedLog> completed =
      std::move(*CompletedLog::Open(dir.File("completed.txt"), "dest"));
  std::unique_ptr<AppendOnlyFile> failed =
      std::move(*OpenFailedList(dir.File("failed.txt")));
};

TEST(ResultSinkTest, WritesBothFilesAsItGoes) {
  SinkFixture f;
  ResultSink sink(f.completed.get(), f.failed.get());
  sink.Succeeded("http://h/a.jpg", "images/a.jpg", 10, "md5:abc");
  sink.Failed("http://h/b.jpg", {FailType::kSourceGone, 404, "http 404"});
  sink.Malformed("junk", "malformed url: not an http(s) URL");
  // Nothing is buffered in user space: the lines are in the files already.
  EXPECT_EQ(ReadFile(f.dir.File("completed.txt")),
            "# cfmigrate completed v2\n"
            "http://h/a.jpg\timages/a.jpg\t10\tmd5:abc\tdest\n");
  EXPECT_EQ(ReadFile(f.dir.File("failed.txt")),
            "http://h/b.jpg\thttp 404\njunk\tmalformed url: not an http(s) "
            "URL\n");
  EXPECT_EQ(sink.succeeded(), 1u);
  EXPECT_EQ(sink.failed(), 1u);
  EXPECT_EQ(sink.malformed(), 1u);
  EXPECT_EQ(sink.bytes(), 10u);
  EXPECT_TRUE(sink.Sync().ok());
}

TEST(ResultSinkTest, StopsWhenTheFirstObjectsAllFailAlike) {
  SinkFixture f;
  ResultSink sink(f.completed.get(), f.failed.get(), 5, 100);
  for (int i = 0; i < 4; ++i)
    sink.Failed("u", {FailType::kSourceHttp, 403, "http 403"});
  EXPECT_FALSE(sink.stop_requested());
  sink.Failed("u", {FailType::kSourceHttp, 403, "http 403"});
  EXPECT_TRUE(sink.stop_requested());
  EXPECT_NE(sink.stop_message().find("first 5 objects all failed with 'http "
                                     "403'"),
            std::string::npos);
}

TEST(ResultSinkTest, MixedOrSuccessfulStartDoesNotStop) {
  SinkFixture f;
  ResultSink sink(f.completed.get(), f.failed.get(), 3, 6);
  sink.Failed("u", {FailType::kSourceHttp, 403, "http 403"});
  sink.Failed("u", {FailType::kSourceTransport, 0, "timeout after 4 attempts"});
  sink.Failed("u", {FailType::kSourceHttp, 403, "http 403"});
  sink.Failed("u", {FailType::kSourceHttp, 403, "http 403"});
  EXPECT_FALSE(sink.stop_requested());
  sink.Succeeded("v", "k", 1, "");
  for (int i = 0; i < 5; ++i)
    sink.Failed("u", {FailType::kS3, 503, "s3 SlowDown after 4 attempts"});
  EXPECT_FALSE(sink.stop_requested());
  sink.Failed("u", {FailType::kS3, 503,
                    "s3 SlowDown after 4 attempts"});  // sixth in a row
  EXPECT_TRUE(sink.stop_requested());
}

TEST(ResultSinkTest, NotFoundNeverStopsTheRun) {
  SinkFixture f;
  ResultSink sink(f.completed.get(), f.failed.get(), 2, 3);
  for (int i = 0; i < 10; ++i)
    sink.Failed("u", {FailType::kSourceGone, 404, "source http 404"});
  for (int i = 0; i < 10; ++i)
    sink.Failed("u", {FailType::kSourceGone, 410, "source http 410"});
  EXPECT_FALSE(sink.stop_requested());
  EXPECT_EQ(sink.failed(), 20u);
}

TEST(ResultSinkTest, ErrorPagesInPlaceOfImagesNeverStopTheRun) {
  SinkFixture f;
  ResultSink sink(f.completed.get(), f.failed.get(), 2, 3);
  for (int i = 0; i < 10; ++i)
    sink.Failed("u",
                {FailType::kSourceRejected, 200, "source answered text/html"});
  for (int i = 0; i < 10; ++i)
    sink.Failed("u", {FailType::kSourceRejected, 200,
                      "source sent Content-Encoding: gzip"});
  EXPECT_FALSE(sink.stop_requested());
  EXPECT_EQ(sink.failed(), 20u);
}

TEST(ResultSinkTest, MalformedUrlsNeverStopTheRun) {
  SinkFixture f;
  ResultSink sink(f.completed.get(), f.failed.get(), 2, 3);
  for (int i = 0; i < 10; ++i) sink.Malformed("u", "malformed url: x");
  EXPECT_FALSE(sink.stop_requested());
  EXPECT_EQ(sink.failed(), 0u);
  EXPECT_EQ(sink.malformed(), 10u);
}

TEST(ResultSinkTest, OnlySourceGoneAndRejectedAnswersAreExempt) {
  // The type decides, not the words: the failed list keeps the words.
  EXPECT_FALSE(
      CountsTowardStop({FailType::kSourceGone, 404, "source http 404"}));
  EXPECT_FALSE(CountsTowardStop(
      {FailType::kSourceRejected, 200, "source answered text/html"}));
  EXPECT_TRUE(
      CountsTowardStop({FailType::kSourceHttp, 403, "source http 403"}));
  EXPECT_TRUE(CountsTowardStop({FailType::kS3, 404, "s3 http 404"}));
  EXPECT_TRUE(CountsTowardStop(
      {FailType::kSourceTransport, 0, "source timeout after 4 attempts"}));
}

TEST(ResultSinkTest, FirstStopMessageWins) {
  SinkFixture f;
  ResultSink sink(f.completed.get(), f.failed.get());
  sink.StopRun("AccessDenied");
  sink.StopRun("later");
  EXPECT_EQ(sink.stop_message(), "AccessDenied");
}

TEST(OpenFailedListTest, StartsEmptyEachRunReadableByOthers) {
  TempDir dir;
  const std::string path = dir.File("failed_transfers.txt");
  WriteFile(path, "http://h/old.jpg\thttp 404\n");
  auto failed = OpenFailedList(path);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(ReadFile(path), "");  // last run's failures are not this run's
  ASSERT_TRUE((*failed)->Append("http://h/new.jpg\thttp 500\n").ok());
  EXPECT_EQ(ReadFile(path), "http://h/new.jpg\thttp 500\n");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(OpenFailedListTest, CreatesAMissingFileAndNamesAFailure) {
  TempDir dir;
  auto created = OpenFailedList(dir.File("f"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(ReadFile(dir.File("f")), "");
  auto missing = OpenFailedList(dir.File("no/such/dir"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "open " + dir.File("no/such/dir") + ": No such file or directory");
}

TEST(ResultSinkTest, UnwritableFailedListStopsTheRun) {
  TempDir dir;
  auto completed = CompletedLog::Open(dir.File("completed.txt"), "dest");
  // /dev/full accepts the open and fails every write with ENOSPC.
  auto full = AppendOnlyFile::Open("/dev/full", AppendOnlyFile::Start::kKeep,
                                   kSharedFileMode);
  ASSERT_TRUE(completed.ok() && full.ok());
  ResultSink sink(completed->get(), full->get());
  sink.Failed("http://h/b.jpg", {FailType::kSourceGone, 404, "http 404"});
  EXPECT_TRUE(sink.stop_requested());
  EXPECT_NE(sink.stop_message().find("write /dev/full: No space left"),
            std::string::npos);
}

}  // namespace
}  // namespace cfm
