#include "work_feed.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "result_sink.h"
#include "shard.h"
#include "test_util.h"

namespace cfm {
namespace {

std::vector<std::unique_ptr<Job>> TakeAll(WorkFeed* feed) {
  std::vector<std::unique_ptr<Job>> jobs;
  while (!feed->Exhausted()) {
    if (auto job = feed->TryTake()) {
      jobs.push_back(std::move(job));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return jobs;
}

TEST(WorkFeedTest, MapsSkipsDoneAndDuplicatesRecordsMalformed) {
  TempDir dir;
  WriteFile(dir.File("urls.txt"),
            "\xEF\xBB\xBFhttp://h/a/1.jpg\r\n"
            "http://h/a/2.jpg\n"
            "http://h/a/1.jpg\n"     // duplicate
            "http://other/3.jpg\n"   // outside the prefix
            "http://h/a/done.jpg\n"  // in completed.txt
            "http://h/a/%C3%A9.jpg?x=1\tignored field\n");
  auto completed = CompletedLog::Open(dir.File("completed.txt"));
  auto failed = OpenFailedList(dir.File("failed.txt"));
  ResultSink sink(completed->get(), failed->get());
  UrlSet done;
  done.Insert(RecordId("http://h/a/done.jpg", "images/done.jpg"));
  // Recorded at another key (another prefix or layout): not done here.
  done.Insert(RecordId("http://h/a/2.jpg", "old/2.jpg"));
  WorkFeed feed(dir.File("urls.txt"), {"http://h/", "images/", false}, &done,
                &sink, 2);  // a small queue makes the reader wait for us
  feed.Start();
  auto jobs = TakeAll(&feed);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0]->url, "http://h/a/1.jpg");
  EXPECT_EQ(jobs[0]->key, "images/1.jpg");
  EXPECT_EQ(jobs[1]->key, "images/2.jpg");
  EXPECT_EQ(jobs[2]->url, "http://h/a/%C3%A9.jpg?x=1");
  EXPECT_EQ(jobs[2]->key, "images/\xC3\xA9.jpg");
  EXPECT_EQ(feed.skipped(), 2u);
  EXPECT_EQ(sink.malformed(), 1u);
  EXPECT_TRUE(feed.status().ok());
  std::string failed_text = ReadFile(dir.File("failed.txt"));
  EXPECT_EQ(failed_text.rfind("http://other/3.jpg\tmalformed url", 0), 0u)
      << failed_text;
}

TEST(WorkFeedTest, AShardGetsOnlyItsKeysAndItsMalformedLines) {
  TempDir dir;
  std::string list;
  for (int i = 0; i < 40; ++i)
    list += "http://h/a/" + std::to_string(i) + ".jpg\n";
  for (int i = 0; i < 10; ++i)
    list += "http://other/" + std::to_string(i) + ".jpg\n";  // malformed
  WriteFile(dir.File("urls.txt"), list);
  size_t jobs_seen = 0, malformed_seen = 0;
  for (int shard = 0; shard < 3; ++shard) {
    auto completed = CompletedLog::Open(dir.File("c" + std::to_string(shard)));
    auto failed = OpenFailedList(dir.File("f" + std::to_string(shard)));
    ResultSink sink(completed->get(), failed->get());
    UrlSet done;
    WorkFeed feed(dir.File("urls.txt"), {"http://h/", "images/", false}, &done,
                  &sink, 8);
    ShardSpec spec{shard, 3};
    feed.SetShard([spec](std::string_view k) { return spec.Owns(k); },
                  [spec](std::string_view u) { return spec.Owns(u); });
    feed.Start();
    for (const auto& job : TakeAll(&feed)) {
      EXPECT_EQ(ShardOf(job->key, 3), shard) << job->key;
      ++jobs_seen;
    }
    malformed_seen += sink.malformed();
  }
  EXPECT_EQ(jobs_seen, 40u);       // each URL in exactly one shard
  EXPECT_EQ(malformed_seen, 10u);  // each malformed line reported once
}

TEST(WorkFeedTest, MissingListReportsStatus) {
  TempDir dir;
  auto completed = CompletedLog::Open(dir.File("completed.txt"));
  auto failed = OpenFailedList(dir.File("failed.txt"));
  ResultSink sink(completed->get(), failed->get());
  UrlSet done;
  WorkFeed feed(dir.File("nope.txt"), {"", "", false}, &done, &sink, 4);
  feed.Start();
  EXPECT_TRUE(TakeAll(&feed).empty());
  EXPECT_FALSE(feed.status().ok());
}

TEST(WorkFeedTest, StopEndsTheFeedEarly) {
  TempDir dir;
  std::string list;
  for (int i = 0; i < 1000; ++i)
    list += "http://h/" + std::to_string(i) + ".jpg\n";
  WriteFile(dir.File("urls.txt"), list);
  auto completed = CompletedLog::Open(dir.File("completed.txt"));
  auto failed = OpenFailedList(dir.File("failed.txt"));
  ResultSink sink(completed->get(), failed->get());
  UrlSet done;
  WorkFeed feed(dir.File("urls.txt"), {"http://h/", "", false}, &done, &sink,
                8);
  feed.Start();
  while (!feed.TryTake()) std::this_thread::yield();
  feed.Stop();
  size_t more = TakeAll(&feed).size();
  EXPECT_LT(more, 100u);
}

}  // namespace
}  // namespace cfm
