#include "pagination_guard.h"

#include <nlohmann/json.hpp>

namespace cfm {

ProgressGuard::ProgressGuard(const PaginationConfig& config,
                             int64_t stall_pages, std::string stall_setting)
    : config_(config),
      stall_pages_(stall_pages),
      stall_setting_(std::move(stall_setting)) {}

std::string ProgressGuard::PagingSetting() const {
  const std::string& s = config_.style;
  if (s == "page")
    return "API_PAGE_PARAM (now '" + config_.page_param +
           "'): the API seems to ignore it";
  if (s == "offset")
    return "API_OFFSET_PARAM (now '" + config_.offset_param +
           "'): the API seems to ignore it";
  if (s == "cursor")
    return "API_CURSOR_PARAM (now '" + config_.cursor_param +
           "') and API_NEXT_CURSOR_PATH (now '" +
           config_.next_cursor_path.text() + "')";
  if (s == "next_url")
    return "API_NEXT_URL_PATH (now '" + config_.next_url_path.text() + "')";
  return "API_PAGINATION (now '" + s + "')";
}

Status ProgressGuard::Check(const PageState& at, const std::string& request_url,
                            const PageState& next, uint64_t items_hash,
                            int64_t item_count) {
  bool cursor = config_.style == "cursor";
  visited_.insert(cursor ? at.cursor : request_url);
  if (item_count > 0 && item_count == last_count_ && items_hash == last_hash_)
    return Status::Corruption(
        "the API returned the same items as on the previous page; paging "
        "makes no progress. Check " +
        PagingSetting());
  last_hash_ = items_hash;
  last_count_ = item_count;
  if (next.done || (config_.style != "cursor" && config_.style != "next_url" &&
                    config_.style != "link_header"))
    return Status::OK();
  const std::string& key = cursor ? next.cursor : next.next_url;
  if (!visited_.insert(key).second)
    return Status::Corruption(
        std::string("the API sent a ") + (cursor ? "cursor" : "next URL") +
        " it had sent before (" + key +
        "): paging goes round in a circle. Check " + PagingSetting());
  return Status::OK();
}

Status ProgressGuard::CountNew(int64_t item_count, int64_t new_urls) {
  if (item_count == 0 || new_urls > 0) {
    stalled_ = 0;
    return Status::OK();
  }
  if (stall_pages_ <= 0 || ++stalled_ < stall_pages_) return Status::OK();
  return Status::Corruption(
      std::to_string(stalled_) + " pages in a row added no new URL (" +
      stall_setting_ + "=" + std::to_string(stall_pages_) +
      "); paging makes no progress. Check " + PagingSetting() + ", or raise " +
      stall_setting_ + " if the API really repeats itself this long");
}

uint64_t HashItems(const std::vector<const nlohmann::json*>& items) {
  // FNV-1a over the items' JSON text, a separator between items.
  uint64_t h = 1469598103934665603ull;
  for (const nlohmann::json* item : items) {
    for (unsigned char c : item->dump()) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xFF) * 1099511628211ull;
  }
  return h;
}

}  // namespace cfm
