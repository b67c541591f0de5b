// The collector's stops: a wrong shape on the first page, paging that makes
// no progress, outages longer than the retry window, and the token kept out
// of every message and the checkpoint.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collector.h"
#include "collector_fakes.h"

namespace cfm {
namespace {

using nlohmann::json;

// An API of `pages` pages of two items each, paged by ?offset=; `item`
// renders item i.
Serve Pages(int pages, std::function<json(int)> item) {
  return [pages, item](const HttpRequest& req) -> Result<HttpResponse> {
    size_t at = req.url.find("offset=");
    int offset = std::stoi(req.url.substr(at + 7));
    json items = json::array();
    for (int i = offset; i < std::min(pages * 2, offset + 2); ++i)
      items.push_back(item(i));
    return Reply(200, json{{"results", items}}.dump());
  };
}

json UrlItem(int i) {
  return json{{"url", "https://cdn/" + std::to_string(i)}};
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST_F(CollectorTest, WrongItemsPathStopsAtTheFirstPage) {
  http_.serve = [](const HttpRequest&) -> Result<HttpResponse> {
    return Reply(200, R"({"data":[{"url":"https://cdn/1"}],"total":1})");
  };
  Status s = Run(Options());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(Has(s.message(), "API_ITEMS_PATH 'results'")) << s.message();
  EXPECT_TRUE(Has(s.message(), "\"data\": [")) << s.message();
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(CollectorTest, WrongUrlFieldStopsAtTheFirstPageAndSuggestsOne) {
  http_.serve = Pages(50, [](int i) {
    return json{{"id", i},
                {"title", "a very long title that goes on and on"},
                {"image", {{"url", "https://cdn/" + std::to_string(i)}}}};
  });
  Status s = Run(Options());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(Has(s.message(), "API_URL_FIELD 'url' reaches nothing"))
      << s.message();
  EXPECT_TRUE(Has(s.message(), "\"title\": \"a very long title that …\""))
      << s.message();
  EXPECT_TRUE(Has(s.message(), "set API_URL_FIELD=image.url"));
  EXPECT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(ReadFile(dir_.File("urls.txt")), "");
}

TEST_F(CollectorTest, UrlFieldReachingNoUrlStopsAtTheFirstPage) {
  http_.serve = Pages(50, [](int i) {
    return json{{"url", "img-" + std::to_string(i) + ".jpg"}};
  });
  Status s = Run(Options());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(Has(s.message(), "reaches no http(s) URL")) << s.message();
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(CollectorTest, UrlsAreNormalisedAndSkipsCountedByReason) {
  std::vector<json> items = {
      {{"url", "https://cdn/my photo 3.jpg"}},
      {{"url", "https://cdn/caf\xC3\xA9.jpg"}},
      {{"url", " https://cdn/a%20b.jpg\n"}},
      {{"url", "https://cdn/a b.jpg"}},  // the same as the one before
      {{"url", "https://other/x.jpg"}},
      {{"url", "/relative/x.jpg"}},
      {{"url", 5}},
      {{"id", 6}},
  };
  http_.serve = Pages(4, [&](int i) { return items[i]; });
  ASSERT_TRUE(Run(Options()).ok());
  EXPECT_EQ(ReadFile(dir_.File("urls.txt")),
            "https://cdn/my%20photo%203.jpg\nhttps://cdn/caf%C3%A9.jpg\n"
            "https://cdn/a%20b.jpg\n");
  EXPECT_EQ(stats_.duplicates.count, 1);
  EXPECT_EQ(stats_.duplicates.example, "https://cdn/a%20b.jpg");
  EXPECT_EQ(stats_.foreign.count, 1);
  EXPECT_EQ(stats_.malformed.count, 3);
  EXPECT_EQ(stats_.malformed.example, "/relative/x.jpg");
  Result<Checkpoint> c = LoadCheckpoint(dir_.File("checkpoint.json"));
  EXPECT_EQ(c->malformed, 3);
  EXPECT_EQ(c->foreign_example, "https://other/x.jpg");
}

TEST_F(CollectorTest, WrongShapeOnALaterPageIsNotRetried) {
  Serve api = Pages(5, UrlItem);
  http_.serve = [&](const HttpRequest& r) -> Result<HttpResponse> {
    if (http_.requests.size() == 3) return Reply(200, R"({"error":"x"})");
    return api(r);
  };
  Status s = Run(Options());
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_TRUE(Has(s.message(), "(page 3)")) << s.message();
  EXPECT_EQ(http_.requests.size(), 3u);
  EXPECT_EQ(LoadCheckpoint(dir_.File("checkpoint.json"))->state.offset, 4);
}

TEST_F(CollectorTest, DeterministicAnswersAreNotRetried) {
  http_.serve = Pages(5, UrlItem);
  http_.script.push_back(Reply(400, "bad request"));
  EXPECT_EQ(Run(Options()).code(), Status::Code::kHttp);
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(CollectorTest, TokenRefusedAfterSomePagesSaysSoAndKeepsTheCheckpoint) {
  Serve api = Pages(40, UrlItem);
  http_.serve = [&](const HttpRequest& r) -> Result<HttpResponse> {
    if (http_.requests.size() == 30) return Reply(401, "expired");
    return api(r);
  };
  Status s = Run(Options());
  EXPECT_EQ(s.code(), Status::Code::kAuth);
  EXPECT_TRUE(Has(s.message(), "after 29 pages")) << s.message();
  EXPECT_EQ(http_.requests.size(), 30u);
  EXPECT_EQ(LoadCheckpoint(dir_.File("checkpoint.json"))->urls_written, 58);
}

// Cursor pagination where the cursor after `c` is next[c].
Serve Cursors(std::map<std::string, std::string> next) {
  return [next](const HttpRequest& req) -> Result<HttpResponse> {
    size_t at = req.url.find("cursor=");
    std::string c = at == std::string::npos ? "" : req.url.substr(at + 7);
    c = c.substr(0, c.find('&'));
    json body = {{"results", {{{"url", "https://cdn/c" + c}}}},
                 {"next", next.at(c)}};
    return Reply(200, body.dump());
  };
}

TEST_F(CollectorTest, CursorCycleStopsAndNamesTheSetting) {
  CollectorOptions o = Options();
  o.pagination.style = "cursor";
  o.pagination.next_cursor_path = *JsonPath::Parse("next");
  http_.serve = Cursors({{"", "A"}, {"A", "B"}, {"B", "A"}});
  Status s = Run(o);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_TRUE(Has(s.message(), "cursor it had sent before (A)")) << s.message();
  EXPECT_TRUE(Has(s.message(), "API_NEXT_CURSOR_PATH"));
  EXPECT_EQ(http_.requests.size(), 3u);
  EXPECT_EQ(ReadFile(dir_.File("urls.txt")), "https://cdn/c\nhttps://cdn/cA\n");
  EXPECT_EQ(LoadCheckpoint(o.checkpoint_file)->state.cursor, "B");
}

TEST_F(CollectorTest, AlternatingNextUrlsStop) {
  CollectorOptions o = Options();
  o.pagination.style = "next_url";
  o.pagination.next_url_path = *JsonPath::Parse("next");
  http_.serve = [&](const HttpRequest& r) -> Result<HttpResponse> {
    bool two = Has(r.url, "/p2");
    json body = {{"results",
                  {{{"url", std::string("https://cdn/") + (two ? "2" : "1")}}}},
                 {"next", two ? "/p1" : "/p2"}};
    return Reply(200, body.dump());
  };
  Status s = Run(o);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_TRUE(Has(s.message(), "next URL it had sent before (http://api/p2)"))
      << s.message();
  EXPECT_TRUE(Has(s.message(), "API_NEXT_URL_PATH"));
  EXPECT_EQ(http_.requests.size(), 3u);  // first, p2, p1 (pointing to p2)
}

TEST_F(CollectorTest, AnApiIgnoringThePageParameterIsCaughtAtPageTwo) {
  CollectorOptions o = Options();
  o.pagination.style = "page";
  http_.serve = [](const HttpRequest&) -> Result<HttpResponse> {
    return Reply(200, R"({"results":[{"url":"https://cdn/1"},
                                     {"url":"https://cdn/2"}]})");
  };
  Status s = Run(o);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_TRUE(Has(s.message(), "same items as on the previous page"));
  EXPECT_TRUE(Has(s.message(), "API_PAGE_PARAM (now 'page')"));
  EXPECT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(LoadCheckpoint(o.checkpoint_file)->state.page, 2);
}

TEST_F(CollectorTest, PagesWithNothingNewStopAfterStallPages) {
  CollectorOptions o = Options();
  o.stall_pages = 3;
  // Every page after the first repeats the first page's URLs, in a new
  // order each time so the items differ.
  http_.serve = Pages(100, [](int i) {
    return json{{"url", "https://cdn/" + std::to_string(i < 2 ? i : i % 2)},
                {"n", i}};
  });
  Status s = Run(o);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_TRUE(Has(s.message(), "3 pages in a row added no new URL"))
      << s.message();
  EXPECT_TRUE(Has(s.message(), "API_STALL_PAGES"));
  EXPECT_EQ(http_.requests.size(), 4u);
  EXPECT_EQ(LoadCheckpoint(o.checkpoint_file)->state.offset, 8);
}

TEST_F(CollectorTest, StalledPagesOfForeignUrlsBlameThePrefix) {
  CollectorOptions o = Options();
  o.stall_pages = 3;
  http_.serve = Pages(100, [](int i) {
    return json{{"url", "https://elsewhere/" + std::to_string(i)}};
  });
  Status s = Run(o);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(Has(s.message(),
                  "no URL under SOURCE_URL_PREFIX https://cdn/ "
                  "in 3 pages (6 foreign, e.g. "
                  "https://elsewhere/0)"))
      << s.message();
  EXPECT_EQ(http_.requests.size(), 3u);
}

TEST_F(CollectorTest, MaxPagesBoundsARunThatThenResumes) {
  CollectorOptions o = Options();
  o.max_pages = 2;
  http_.serve = Pages(5, UrlItem);
  ASSERT_TRUE(Run(o).ok());
  EXPECT_TRUE(stats_.max_pages_reached);
  EXPECT_FALSE(stats_.complete);
  EXPECT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(ReadFile(dir_.File("urls.txt")),
            "https://cdn/0\nhttps://cdn/1\nhttps://cdn/2\nhttps://cdn/3\n");
  o.max_pages = 0;
  ASSERT_TRUE(Run(o).ok());
  EXPECT_TRUE(stats_.complete);
  EXPECT_EQ(http_.requests.size(), 6u);  // pages 3-5 and the empty one
}

TEST_F(CollectorTest, TwoMinuteOutageIsRiddenOutWithGrowingBackoff) {
  Serve api = Pages(1, UrlItem);
  double down_until = clock_.now() + 120;
  http_.serve = [&](const HttpRequest& r) -> Result<HttpResponse> {
    if (clock_.now() < down_until) return Reply(503, "down");
    return api(r);
  };
  ASSERT_TRUE(Run(Options()).ok());
  // 1+2+4+8+16+32+60 = 123 s of backoff, then the page and an empty one.
  EXPECT_NEAR(clock_.slept(), 123, 1e-6);
  EXPECT_EQ(http_.requests.size(), 9u);
  EXPECT_EQ(ReadFile(dir_.File("urls.txt")), "https://cdn/0\nhttps://cdn/1\n");
}

TEST_F(CollectorTest, OutageLongerThanTheWindowStopsAtItsEnd) {
  http_.serve = [](const HttpRequest&) -> Result<HttpResponse> {
    return Status::Network("connection refused");
  };
  CollectorOptions o = Options();
  o.retry_window_seconds = 300;
  Status s = Run(o);
  EXPECT_EQ(s.code(), Status::Code::kNetwork);
  EXPECT_TRUE(Has(s.message(), "API_RETRY_WINDOW=5m")) << s.message();
  EXPECT_NEAR(clock_.slept(), 300, 1e-6);  // the last pause ends the window
  EXPECT_FALSE(LoadCheckpoint(o.checkpoint_file)->state.done);
}

TEST_F(CollectorTest, BackoffHasJitterAndRetryAfterWins) {
  http_.serve = Pages(1, UrlItem);
  http_.script.push_back(Reply(500, ""));
  http_.script.push_back(Reply(500, ""));
  http_.script.push_back(Reply(503, "", "7"));
  CollectorOptions o = Options();
  o.unit_random = [] { return 0.0; };  // factor 0.5
  ASSERT_TRUE(Run(o).ok());
  EXPECT_NEAR(clock_.slept(), 0.5 + 1 + 7, 1e-6);
}

// The token in every auth style, on the error paths: a shape error, a
// cycle, an outage, with the API echoing the token in its next links.
TEST_F(CollectorTest, TheTokenReachesNoMessageAndNoCheckpoint) {
  const std::string token = "s3cr3t-T0KEN";
  for (const char* style : {"bearer", "header", "query"}) {
    SCOPED_TRACE(style);
    std::remove(dir_.File("checkpoint.json").c_str());
    CollectorOptions o = Options();
    o.pagination.style = "next_url";
    o.pagination.next_url_path = *JsonPath::Parse("next");
    o.auth_style = style;
    o.auth_token = token;
    o.retry_window_seconds = 0;
    int n = 0;
    http_.script.clear();
    http_.serve = [&](const HttpRequest&) -> Result<HttpResponse> {
      if (++n > 2) return Reply(500, "down, token " + token);
      json body = {
          {"results",
           {{{"url", "https://cdn/" + std::to_string(n)}, {"key", token}}}},
          {"next", "/list?page=" + std::to_string(n + 1) + "&api_key=" + token +
                       "&t=" + token}};
      return Reply(200, body.dump());
    };
    Status s = Run(o);
    EXPECT_EQ(s.code(), Status::Code::kHttp);
    EXPECT_FALSE(Has(s.message(), token)) << s.message();
    std::string checkpoint = ReadFile(o.checkpoint_file);
    EXPECT_FALSE(Has(checkpoint, token)) << checkpoint;
    // Resuming still sends the token where it belongs, once.
    n = 0;
    http_.requests.clear();
    (void)Run(o);
    ASSERT_FALSE(http_.requests.empty());
    if (std::string(style) == "query") {
      EXPECT_TRUE(Has(http_.requests[0].url, "api_key=" + token))
          << http_.requests[0].url;
    }
    // A shape error that would show an item holding the token.
    std::remove(o.checkpoint_file.c_str());
    http_.serve = [&](const HttpRequest&) -> Result<HttpResponse> {
      return Reply(
          200, json{{"results", {{{"u", "https://cdn/x?k=" + token}}}}}.dump());
    };
    s = Run(o);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_FALSE(Has(s.message(), token)) << s.message();
  }
}

}  // namespace
}  // namespace cfm
