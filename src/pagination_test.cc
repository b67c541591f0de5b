#include "pagination.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cfm {
namespace {

using nlohmann::json;

PaginationConfig Config(const std::string& style) {
  PaginationConfig c;
  c.style = style;
  c.base_url = "https://api.example/v1/images?kind=jpg";
  c.page_size = 50;
  c.next_cursor_path = *JsonPath::Parse("meta.next");
  c.next_url_path = *JsonPath::Parse("links.next");
  return c;
}

std::unique_ptr<Paginator> Make(const PaginationConfig& c) {
  Result<std::unique_ptr<Paginator>> p = NewPaginator(c);
  EXPECT_TRUE(p.ok());
  return std::move(*p);
}

PageResponse Page(const std::string& url, const json* body, int64_t items,
                  int64_t total = -1) {
  PageResponse r;
  r.request_url = url;
  r.body = body;
  r.item_count = items;
  r.total = total;
  return r;
}

TEST(PaginationTest, PageNumbersStopAtEmptyPage) {
  PaginationConfig c = Config("page");
  c.page_start = 0;
  auto p = Make(c);
  json body = json::object();
  PageState s = p->Start();
  EXPECT_EQ(p->PageUrl(s),
            "https://api.example/v1/images?kind=jpg&page=0&per_page=50");
  s = *p->Next(s, Page("", &body, 50));
  EXPECT_FALSE(s.done);
  EXPECT_EQ(p->PageUrl(s),
            "https://api.example/v1/images?kind=jpg&page=1&per_page=50");
  s = *p->Next(s, Page("", &body, 0));
  EXPECT_TRUE(s.done);
  EXPECT_EQ(s.items_seen, 50);
}

TEST(PaginationTest, PageNumbersStopAtKnownTotal) {
  auto p = Make(Config("page"));
  json body = json::object();
  PageState s = p->Start();
  s = *p->Next(s, Page("", &body, 50, 80));
  EXPECT_FALSE(s.done);
  s = *p->Next(s, Page("", &body, 30, 80));
  EXPECT_TRUE(s.done);
}

TEST(PaginationTest, OffsetAdvancesByItemsReceived) {
  PaginationConfig c = Config("offset");
  c.offset_param = "start";
  c.page_size_param = "limit";
  auto p = Make(c);
  json body = json::object();
  PageState s = p->Start();
  EXPECT_EQ(p->PageUrl(s),
            "https://api.example/v1/images?kind=jpg&start=0&limit=50");
  s = *p->Next(s, Page("", &body, 40));  // the server capped the page
  EXPECT_EQ(p->PageUrl(s),
            "https://api.example/v1/images?kind=jpg&start=40&limit=50");
  s = *p->Next(s, Page("", &body, 0));
  EXPECT_TRUE(s.done);
}

TEST(PaginationTest, CursorFollowsBodyAndStopsWhenMissingNullOrEmpty) {
  auto p = Make(Config("cursor"));
  PageState s = p->Start();
  EXPECT_EQ(p->PageUrl(s),
            "https://api.example/v1/images?kind=jpg&per_page=50");
  json b1 = json::parse(R"({"meta":{"next":"a b/c"}})");
  s = *p->Next(s, Page("", &b1, 50));
  EXPECT_EQ(
      p->PageUrl(s),
      "https://api.example/v1/images?kind=jpg&cursor=a%20b%2Fc&per_page=50");
  for (const char* end : {R"({"meta":{"next":null}})",
                          R"({"meta":{"next":""}})", R"({"meta":{}})"}) {
    json b = json::parse(end);
    EXPECT_TRUE(p->Next(s, Page("", &b, 5))->done) << end;
  }
}

TEST(PaginationTest, NextUrlResolvesRelativeAndStopsOnNull) {
  auto p = Make(Config("next_url"));
  PageState s = p->Start();
  std::string first = p->PageUrl(s);
  json b1 = json::parse(R"({"links":{"next":"/v1/images?after=9"}})");
  s = *p->Next(s, Page(first, &b1, 3));
  EXPECT_EQ(p->PageUrl(s), "https://api.example/v1/images?after=9");
  json b2 = json::parse(R"({"links":{"next":null}})");
  EXPECT_TRUE(p->Next(s, Page(p->PageUrl(s), &b2, 3))->done);
}

TEST(PaginationTest, LinkHeaderFollowsRelNext) {
  auto p = Make(Config("link_header"));
  json body = json::array();
  PageResponse r = Page("https://api.example/v1/images?page=1", &body, 2);
  r.link_header =
      R"(<https://api.example/v1/images?page=9>; rel="last", <?page=2>; rel="next")";
  PageState s = *p->Next(p->Start(), r);
  EXPECT_EQ(p->PageUrl(s), "https://api.example/v1/images?page=2");
  r.link_header = R"(<https://api.example/v1/images?page=1>; rel="prev")";
  EXPECT_TRUE(p->Next(s, r)->done);
}

TEST(PaginationTest, UnknownStyleIsRejected) {
  EXPECT_FALSE(NewPaginator(Config("pages")).ok());
}

TEST(PaginationUrlTest, SetQueryParamReplacesAppendsAndKeepsFragment) {
  EXPECT_EQ(SetQueryParam("http://h/p", "a", "1"), "http://h/p?a=1");
  EXPECT_EQ(SetQueryParam("http://h/p?a=1&b=2&a=3", "a", "x"),
            "http://h/p?a=x&b=2");
  EXPECT_EQ(SetQueryParam("http://h/p?ab=1", "a", "2"), "http://h/p?ab=1&a=2");
  EXPECT_EQ(SetQueryParam("http://h/p?", "a", "2"), "http://h/p?a=2");
  EXPECT_EQ(SetQueryParam("http://h/p#f", "k", "v&w"), "http://h/p?k=v%26w#f");
}

TEST(PaginationUrlTest, ResolveUrlHandlesEveryReferenceForm) {
  const char* base = "https://h:8/a/b/c?x=1";
  EXPECT_EQ(ResolveUrl(base, "http://o/p"), "http://o/p");
  EXPECT_EQ(ResolveUrl(base, "//o/p"), "https://o/p");
  EXPECT_EQ(ResolveUrl(base, "/p?y=2"), "https://h:8/p?y=2");
  EXPECT_EQ(ResolveUrl(base, "?y=2"), "https://h:8/a/b/c?y=2");
  EXPECT_EQ(ResolveUrl(base, "d?y=2"), "https://h:8/a/b/d?y=2");
  EXPECT_EQ(ResolveUrl("https://h", "d"), "https://h/d");
  EXPECT_EQ(ResolveUrl("https://h/", "d"), "https://h/d");
}

TEST(PaginationUrlTest, RemoveQueryParamDropsEveryOccurrence) {
  EXPECT_EQ(RemoveQueryParam("http://a/p?k=1&x=2&k=3#f", "k"),
            "http://a/p?x=2#f");
  EXPECT_EQ(RemoveQueryParam("http://a/p?k=1", "k"), "http://a/p");
  EXPECT_EQ(RemoveQueryParam("http://a/p?kk=1&k", "k"), "http://a/p?kk=1");
  EXPECT_EQ(RemoveQueryParam("http://a/p", "k"), "http://a/p");
}

TEST(PaginationUrlTest, LinkNextParsesVariants) {
  EXPECT_EQ(LinkNext(R"(<http://a/2>; rel="next")"), "http://a/2");
  EXPECT_EQ(LinkNext(R"(<http://a/2>; rel=next)"), "http://a/2");
  EXPECT_EQ(
      LinkNext(R"(<http://a/1>; rel="prev", <http://a/3>; rel="next last")"),
      "http://a/3");
  EXPECT_EQ(LinkNext(R"(<http://a/1>; rel="prev")"), "");
  EXPECT_EQ(LinkNext(""), "");
  EXPECT_EQ(LinkNext(R"(<http://a/x,y>; title="a"; rel="NEXT")"),
            "http://a/x,y");
}

}  // namespace
}  // namespace cfm
