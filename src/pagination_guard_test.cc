#include "pagination_guard.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cfm {
namespace {

using nlohmann::json;

PageState Cursor(const std::string& c, bool done = false) {
  PageState s;
  s.cursor = c;
  s.done = done;
  return s;
}

PaginationConfig Style(const std::string& style) {
  PaginationConfig c;
  c.style = style;
  c.next_cursor_path = *JsonPath::Parse("meta.next");
  return c;
}

TEST(ProgressGuardTest, ACursorSeenAnyTimeBeforeIsACycle) {
  ProgressGuard g(Style("cursor"), 0, "API_STALL_PAGES");
  EXPECT_TRUE(g.Check(Cursor(""), "u", Cursor("A"), 1, 1).ok());
  EXPECT_TRUE(g.Check(Cursor("A"), "u", Cursor("B"), 2, 1).ok());
  EXPECT_TRUE(g.Check(Cursor("B"), "u", Cursor("C"), 3, 1).ok());
  Status s = g.Check(Cursor("C"), "u", Cursor("A"), 4, 1);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("API_NEXT_CURSOR_PATH (now 'meta.next')"),
            std::string::npos)
      << s.message();
  // The same cursor at once is the shortest cycle.
  ProgressGuard once(Style("cursor"), 0, "X");
  EXPECT_TRUE(once.Check(Cursor(""), "u", Cursor("A"), 1, 1).ok());
  EXPECT_FALSE(once.Check(Cursor("A"), "u", Cursor("A"), 2, 1).ok());
  // Back to the first page's (empty) cursor is a cycle too; done is not.
  ProgressGuard h(Style("cursor"), 0, "X");
  EXPECT_TRUE(h.Check(Cursor(""), "u", Cursor("A"), 1, 1).ok());
  EXPECT_TRUE(h.Check(Cursor("A"), "u", Cursor("", true), 2, 1).ok());
}

TEST(ProgressGuardTest, NextUrlsCycleThroughTheRequestUrls) {
  ProgressGuard g(Style("next_url"), 0, "X");
  PageState next;
  next.next_url = "http://a/2";
  EXPECT_TRUE(g.Check(PageState(), "http://a/1", next, 1, 1).ok());
  PageState back;
  back.next_url = "http://a/1";
  EXPECT_EQ(g.Check(next, "http://a/2", back, 2, 1).code(),
            Status::Code::kCorruption);
  ProgressGuard same(Style("link_header"), 0, "X");
  EXPECT_FALSE(same.Check(PageState(), "http://a/1", back, 1, 1).ok());
}

TEST(ProgressGuardTest, SameItemsAsThePreviousPageStopPageAndOffset) {
  for (const char* style : {"page", "offset"}) {
    ProgressGuard g(Style(style), 0, "X");
    EXPECT_TRUE(g.Check(PageState(), "u", PageState(), 7, 2).ok());
    Status s = g.Check(PageState(), "u", PageState(), 7, 2);
    EXPECT_EQ(s.code(), Status::Code::kCorruption);
    EXPECT_NE(
        s.message().find(std::string(style) == "page" ? "API_PAGE_PARAM"
                                                      : "API_OFFSET_PARAM"),
        std::string::npos);
  }
  // Two empty pages in a row are not "the same items".
  ProgressGuard g(Style("page"), 0, "X");
  EXPECT_TRUE(g.Check(PageState(), "u", PageState(), 0, 0).ok());
  EXPECT_TRUE(g.Check(PageState(), "u", PageState(), 0, 0).ok());
}

TEST(ProgressGuardTest, StallCountsPagesInARowWithItemsButNothingNew) {
  ProgressGuard g(Style("page"), 3, "API_STALL_PAGES");
  EXPECT_TRUE(g.CountNew(5, 0).ok());
  EXPECT_TRUE(g.CountNew(5, 0).ok());
  EXPECT_TRUE(g.CountNew(5, 1).ok());  // resets
  EXPECT_TRUE(g.CountNew(0, 0).ok());  // an empty page resets too
  EXPECT_TRUE(g.CountNew(5, 0).ok());
  EXPECT_TRUE(g.CountNew(5, 0).ok());
  Status s = g.CountNew(5, 0);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("API_STALL_PAGES=3"), std::string::npos);
  ProgressGuard off(Style("page"), 0, "X");
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(off.CountNew(5, 0).ok());
}

TEST(ProgressGuardTest, HashItemsTellsPagesApart) {
  json a = json::parse(R"([{"u":"x"},{"u":"y"}])");
  json b = json::parse(R"([{"u":"x"},{"u":"z"}])");
  json c = json::parse(R"([{"u":"x"},{"u":"y"}])");
  auto ptrs = [](const json& j) {
    std::vector<const json*> v;
    for (const json& e : j) v.push_back(&e);
    return v;
  };
  EXPECT_NE(HashItems(ptrs(a)), HashItems(ptrs(b)));
  EXPECT_EQ(HashItems(ptrs(a)), HashItems(ptrs(c)));
}

}  // namespace
}  // namespace cfm
