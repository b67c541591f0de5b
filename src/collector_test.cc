#include "collector.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "collector_fakes.h"
#include "test_util.h"

namespace cfm {
namespace {

// Offset pagination over `n` items of prefix "https://cdn/" + i, three a
// page; item 4 repeats item 3 and item 5 is foreign.
std::function<Result<HttpResponse>(const HttpRequest&)> Api(int n) {
  return [n](const HttpRequest& req) -> Result<HttpResponse> {
    size_t at = req.url.find("offset=");
    int offset = std::stoi(req.url.substr(at + 7));
    std::string items;
    for (int i = offset; i < std::min(n, offset + 3); ++i) {
      std::string url = "https://cdn/" + std::to_string(i == 4 ? 3 : i);
      if (i == 5) url = "https://evil/5";
      items +=
          (items.empty() ? "" : ",") + std::string("{\"url\":\"") + url + "\"}";
    }
    return Reply(200, "{\"results\":[" + items + "]}");
  };
}

TEST_F(CollectorTest, CollectsValidatesAndDeduplicates) {
  http_.serve = Api(8);
  ASSERT_TRUE(Run(Options()).ok());
  EXPECT_EQ(ReadFile(dir_.File("urls.txt")),
            "https://cdn/0\nhttps://cdn/1\nhttps://cdn/2\nhttps://cdn/3\n"
            "https://cdn/6\nhttps://cdn/7\n");
  EXPECT_EQ(stats_.duplicates.count, 1);
  EXPECT_EQ(stats_.duplicates.example, "https://cdn/3");
  EXPECT_EQ(stats_.foreign.count, 1);
  EXPECT_EQ(stats_.foreign.example, "https://evil/5");
  EXPECT_EQ(stats_.malformed.count, 0);
  EXPECT_EQ(stats_.pages, 4);  // 3 full or partial pages and an empty one
  EXPECT_TRUE(stats_.complete);
  EXPECT_TRUE(LoadCheckpoint(dir_.File("checkpoint.json"))->state.done);
}

TEST_F(CollectorTest, RetriesWithExponentialBackoffThenGivesUp) {
  http_.serve = Api(8);
  for (int i = 0; i < 4; ++i) http_.script.push_back(Reply(500, "oops"));
  CollectorOptions o = Options();
  o.retry_window_seconds = 0;  // API_MAX_RETRIES alone
  Status s = Run(o);
  EXPECT_EQ(s.code(), Status::Code::kHttp);
  EXPECT_NE(s.message().find("giving up after 4 attempts"), std::string::npos);
  EXPECT_NEAR(clock_.slept(), 1 + 2 + 4, 1e-6);
  EXPECT_EQ(http_.requests.size(), 4u);
  Result<Checkpoint> c = LoadCheckpoint(dir_.File("checkpoint.json"));
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->state.done);
}

TEST_F(CollectorTest, TransportErrorsAndInvalidJsonAreRetried) {
  http_.serve = Api(3);
  http_.script.push_back(Status::Network("connection reset"));
  http_.script.push_back(Reply(200, "{not json"));
  ASSERT_TRUE(Run(Options()).ok());
  EXPECT_NEAR(clock_.slept(), 1 + 2, 1e-6);
  EXPECT_EQ(ReadFile(dir_.File("urls.txt")),
            "https://cdn/0\nhttps://cdn/1\nhttps://cdn/2\n");
}

TEST_F(CollectorTest, ThrottlingHonoursRetryAfterBeyondMaxRetries) {
  http_.serve = Api(3);
  for (int i = 0; i < 6; ++i) http_.script.push_back(Reply(429, "", "5"));
  http_.script.push_back(Reply(503, ""));  // no Retry-After: backoff 7
  ASSERT_TRUE(Run(Options()).ok());
  EXPECT_NEAR(clock_.slept(), 6 * 5 + 60, 1e-6);  // 2^6 s capped at 60 s
}

TEST_F(CollectorTest, AuthRefusalStopsAtOnce) {
  http_.script.push_back(Reply(401, ""));
  Status s = Run(Options());
  EXPECT_EQ(s.code(), Status::Code::kAuth);
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(CollectorTest, AuthStylesShapeTheRequest) {
  http_.serve = Api(0);
  CollectorOptions o = Options();
  o.auth_style = "query";
  o.auth_query_param = "key";
  o.auth_token = "t&k";
  ASSERT_TRUE(Run(o).ok());
  EXPECT_EQ(http_.requests[0].url,
            "http://api/list?offset=0&per_page=3&key=t%26k");
  std::remove(o.checkpoint_file.c_str());
  o.auth_style = "header";
  o.auth_header = "X-Key";
  ASSERT_TRUE(Run(o).ok());
  bool found = false;
  for (const auto& [n, v] : http_.requests.back().headers)
    found |= n == "X-Key" && v == "t&k";
  EXPECT_TRUE(found);
}

TEST_F(CollectorTest, RateLimitSpacesRequestsOnTheClock) {
  http_.serve = Api(12);
  CollectorOptions o = Options();
  o.rate_limit = 2;
  ASSERT_TRUE(Run(o).ok());
  EXPECT_EQ(http_.requests.size(), 5u);
  EXPECT_NEAR(clock_.slept(), 4 * 0.5, 1e-6);
}

TEST_F(CollectorTest, StopFlagSavesCheckpointAndResumeTruncatesTail) {
  std::atomic<int> stop{0};
  http_.serve = [&](const HttpRequest& r) {
    if (http_.requests.size() == 2) stop = 1;
    return Api(12)(r);
  };
  Status s = Run(Options(), &stop);
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  Result<Checkpoint> c = LoadCheckpoint(dir_.File("checkpoint.json"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state.offset, 6);
  // A crash after the checkpoint leaves an unrecorded tail.
  WriteFile(dir_.File("urls.txt"),
            ReadFile(dir_.File("urls.txt")) + "https://cdn/junk\nhttps://cd");
  http_.serve = Api(12);
  ASSERT_TRUE(Run(Options()).ok());
  EXPECT_TRUE(stats_.resumed);
  std::string expected;
  for (int i : {0, 1, 2, 3, 6, 7, 8, 9, 10, 11})
    expected += "https://cdn/" + std::to_string(i) + "\n";
  EXPECT_EQ(ReadFile(dir_.File("urls.txt")), expected);
  EXPECT_EQ(stats_.duplicates.count, 1);
  EXPECT_EQ(stats_.foreign.count, 1);
}

TEST_F(CollectorTest, CheckpointOfAnotherConfigurationIsRefused) {
  http_.serve = Api(3);
  ASSERT_TRUE(Run(Options()).ok());
  CollectorOptions o = Options();
  o.pagination.base_url = "http://other/list";
  EXPECT_EQ(Run(o).code(), Status::Code::kInvalidArgument);
}

TEST_F(CollectorTest, RepeatedCursorStopsWithoutWritingThePage) {
  CollectorOptions o = Options();
  o.pagination.style = "cursor";
  o.pagination.next_cursor_path = *JsonPath::Parse("next");
  http_.serve = [](const HttpRequest&) -> Result<HttpResponse> {
    return Reply(200, R"({"results":[{"url":"https://cdn/a"}],"next":"x"})");
  };
  Status s = Run(o);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(ReadFile(dir_.File("urls.txt")), "https://cdn/a\n");
}

}  // namespace
}  // namespace cfm
