#include "pagination.h"

#include <nlohmann/json.hpp>

namespace cfm {
namespace {

using nlohmann::json;

bool StopsAtTotal(const PageResponse& page, int64_t items_seen) {
  return page.total >= 0 && items_seen >= page.total;
}

// page: ?page=N&per_page=S; stops at an empty page or the total.
class PageNumberPagination : public Paginator {
 public:
  explicit PageNumberPagination(const PaginationConfig& c) : c_(c) {}
  PageState Start() const override {
    PageState s;
    s.page = c_.page_start;
    return s;
  }
  std::string PageUrl(const PageState& s) const override {
    std::string url =
        SetQueryParam(c_.base_url, c_.page_param, std::to_string(s.page));
    if (c_.page_size_param.empty()) return url;
    return SetQueryParam(url, c_.page_size_param, std::to_string(c_.page_size));
  }
  Result<PageState> Next(const PageState& s,
                         const PageResponse& page) const override {
    PageState next = s;
    next.page = s.page + 1;
    next.items_seen = s.items_seen + page.item_count;
    next.done = page.item_count == 0 || StopsAtTotal(page, next.items_seen);
    return next;
  }

 private:
  PaginationConfig c_;
};

// offset: ?offset=K&per_page=S; the offset advances by the items received.
class OffsetPagination : public Paginator {
 public:
  explicit OffsetPagination(const PaginationConfig& c) : c_(c) {}
  PageState Start() const override { return PageState(); }
  std::string PageUrl(const PageState& s) const override {
    std::string url =
        SetQueryParam(c_.base_url, c_.offset_param, std::to_string(s.offset));
    if (c_.page_size_param.empty()) return url;
    return SetQueryParam(url, c_.page_size_param, std::to_string(c_.page_size));
  }
  Result<PageState> Next(const PageState& s,
                         const PageResponse& page) const override {
    PageState next = s;
    next.offset = s.offset + page.item_count;
    next.items_seen = s.items_seen + page.item_count;
    next.done = page.item_count == 0 || StopsAtTotal(page, next.items_seen);
    return next;
  }

 private:
  PaginationConfig c_;
};

// cursor: the first request has no cursor; each body names the next one;
// stops when it is missing, null or empty.
class CursorPagination : public Paginator {
 public:
  explicit CursorPagination(const PaginationConfig& c) : c_(c) {}
  PageState Start() const override { return PageState(); }
  std::string PageUrl(const PageState& s) const override {
    std::string url = c_.base_url;
    if (!s.cursor.empty()) url = SetQueryParam(url, c_.cursor_param, s.cursor);
    if (c_.page_size_param.empty()) return url;
    return SetQueryParam(url, c_.page_size_param, std::to_string(c_.page_size));
  }
  Result<PageState> Next(const PageState& s,
                         const PageResponse& page) const override {
    PageState next = s;
    next.items_seen = s.items_seen + page.item_count;
    const json* found = c_.next_cursor_path.Find(*page.body);
    next.cursor.clear();
    if (found && found->is_string()) next.cursor = found->get<std::string>();
    if (found && found->is_number()) next.cursor = found->dump();
    next.done = next.cursor.empty();
    return next;
  }

 private:
  PaginationConfig c_;
};

// next_url: each body holds the next page's URL (maybe relative); stops
// when it is missing or null.
class NextUrlPagination : public Paginator {
 public:
  explicit NextUrlPagination(const PaginationConfig& c) : c_(c) {}
  PageState Start() const override { return PageState(); }
  std::string PageUrl(const PageState& s) const override {
    if (!s.next_url.empty()) return s.next_url;
    if (c_.page_size_param.empty()) return c_.base_url;
    return SetQueryParam(c_.base_url, c_.page_size_param,
                         std::to_string(c_.page_size));
  }
  Result<PageState> Next(const PageState& s,
                         const PageResponse& page) const override {
    const json* found = c_.next_url_path.Find(*page.body);
    std::string ref;
    if (found && found->is_string()) ref = found->get<std::string>();
    return Follow(s, page, ref);
  }

 protected:
  static Result<PageState> Follow(const PageState& s, const PageResponse& page,
                                  const std::string& ref) {
    PageState next = s;
    next.items_seen = s.items_seen + page.item_count;
    next.done = ref.empty();
    next.next_url = next.done ? "" : ResolveUrl(page.request_url, ref);
    return next;
  }
  PaginationConfig c_;
};

// link_header: RFC 8288 Link: <url>; rel="next"; stops when there is none.
class LinkHeaderPagination : public NextUrlPagination {
 public:
  using NextUrlPagination::NextUrlPagination;
  Result<PageState> Next(const PageState& s,
                         const PageResponse& page) const override {
    return Follow(s, page, LinkNext(page.link_header));
  }
};

}  // namespace

Result<std::unique_ptr<Paginator>> NewPaginator(const PaginationConfig& c) {
  std::unique_ptr<Paginator> p;
  if (c.style == "page") p = std::make_unique<PageNumberPagination>(c);
  if (c.style == "offset") p = std::make_unique<OffsetPagination>(c);
  if (c.style == "cursor") p = std::make_unique<CursorPagination>(c);
  if (c.style == "next_url") p = std::make_unique<NextUrlPagination>(c);
  if (c.style == "link_header") p = std::make_unique<LinkHeaderPagination>(c);
  if (!p)
    return Status::InvalidArgument("unknown pagination style '" + c.style +
                                   "'");
  return p;
}

}  // namespace cfm
