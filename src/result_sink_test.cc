#include "result_sink.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace cfm {
namespace {

struct SinkFixture {
  TempDir dir;
  std::unique_ptr<CompletedLog> completed =
      std::move(*CompletedLog::Open(dir.File("completed.txt"), "dest"));
  std::unique_ptr<AppendFile> failed =
      std::move(*AppendFile::Open(dir.File("failed.txt"), true));
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

TEST(AppendFileTest, TruncateOrAppend) {
  TempDir dir;
  WriteFile(dir.File("f"), "old\n");
  {
    auto a = AppendFile::Open(dir.File("f"), false);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE((*a)->Append("new\n").ok());
  }
  EXPECT_EQ(ReadFile(dir.File("f")), "old\nnew\n");
  auto t = AppendFile::Open(dir.File("f"), true);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(ReadFile(dir.File("f")), "");
  EXPECT_FALSE(AppendFile::Open(dir.File("no/such/dir"), true).ok());
}

}  // namespace
}  // namespace cfm
