// Pagination styles of the image-list API. Each style is one small class in
// pagination.cc (PageNumberPagination, OffsetPagination, CursorPagination,
// NextUrlPagination, LinkHeaderPagination): it builds the URL of the next
// request from a PageState and computes the state after a page. To support
// an odd API, add a class there and a name to NewPaginator. Pure: no I/O.
#ifndef CFMIGRATE_PAGINATION_H_
#define CFMIGRATE_PAGINATION_H_

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "json_path.h"
#include "status.h"

namespace cfm {

struct PaginationConfig {
  std::string style = "page";  // page|offset|cursor|next_url|link_header
  std::string base_url;        // first request; may carry fixed parameters
  std::string page_param = "page";
  int64_t page_start = 1;
  std::string page_size_param = "per_page";  // "" sends no page size
  int64_t page_size = 100;
  std::string offset_param = "offset";
  std::string cursor_param = "cursor";
  JsonPath next_cursor_path;
  JsonPath next_url_path;
};

// Where the collection stands: the page to fetch next. Saved in
// checkpoint.json, so every field must be enough to resume.
struct PageState {
  int64_t page = 0;        // page: number of the next page
  int64_t offset = 0;      // offset: offset of the next page
  std::string cursor;      // cursor: "" for the first page
  std::string next_url;    // next_url, link_header: "" for the first page
  int64_t items_seen = 0;  // items received so far, all styles
  bool done = false;       // the stop rule fired: nothing left to fetch
};

// What the collector learnt from one page.
struct PageResponse {
  std::string request_url;  // as sent (relative next URLs resolve on it)
  const nlohmann::json* body = nullptr;
  std::string link_header;  // all Link headers joined with ", "
  int64_t item_count = 0;
  int64_t total = -1;  // the API's total item count; -1 unknown
};

class Paginator {
 public:
  virtual ~Paginator() = default;
  // The state before the first request.
  virtual PageState Start() const = 0;
  // URL of the page `state` points at (before any auth parameter).
  // Precondition: !state.done.
  virtual std::string PageUrl(const PageState& state) const = 0;
  // The state after `page`, which was fetched at `state`; done is set when
  // the style's stop rule fires. Styles that cannot fail return a value;
  // paging that goes round in circles is ProgressGuard's to catch
  // (pagination_guard.h).
  virtual Result<PageState> Next(const PageState& state,
                                 const PageResponse& page) const = 0;
};

// Fails with kInvalidArgument for an unknown style.
Result<std::unique_ptr<Paginator>> NewPaginator(const PaginationConfig& config);

// `url` with the query parameter `name` set to `value` (percent-encoded),
// replacing an existing one of that name or appending it.
std::string SetQueryParam(std::string_view url, std::string_view name,
                          std::string_view value);

// `url` without any query parameter named `name`.
std::string RemoveQueryParam(std::string_view url, std::string_view name);

// Resolves `ref` (absolute, //host/..., /path, relative path or ?query)
// against the absolute URL `base`, as a browser would (no dot-segment
// removal).
std::string ResolveUrl(std::string_view base, std::string_view ref);

// The target of rel="next" in an RFC 8288 Link header value, or "".
std::string LinkNext(std::string_view link_header);

}  // namespace cfm

#endif  // CFMIGRATE_PAGINATION_H_
