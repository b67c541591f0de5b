// Catches an API that keeps collect paging without getting anywhere: a
// cursor or next URL that comes back after any earlier one (a cycle), a
// page with the same items as the page before (the API ignores the page or
// offset parameter), and a run of pages that add no new URL. Pure: the
// collector feeds it what each page held.
#ifndef CFMIGRATE_PAGINATION_GUARD_H_
#define CFMIGRATE_PAGINATION_GUARD_H_

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <unordered_set>
#include <vector>

#include "pagination.h"
#include "status.h"

namespace cfm {

class ProgressGuard {
 public:
  // `stall_pages`: pages in a row without a new URL that stop the run (0:
  // never). `stall_setting` names that setting in the message.
  ProgressGuard(const PaginationConfig& config, int64_t stall_pages,
                std::string stall_setting);

  // Before a page's URLs are written. `at` is where the page was fetched
  // (`request_url` without the auth parameter), `next` where the paginator
  // goes from there (its next_url without the auth parameter); `items_hash`
  // identifies the page's items and `item_count` counts them. Returns OK, or
  // kCorruption naming the pagination setting to check when `next` points at a
  // cursor or URL seen before in this run or the items equal the previous
  // page's.
  Status Check(const PageState& at, const std::string& request_url,
               const PageState& next, uint64_t items_hash, int64_t item_count);

  // After a page's URLs were written: `new_urls` of them were new. Returns
  // kCorruption when that makes `stall_pages` pages in a row with items
  // but nothing new.
  Status CountNew(int64_t item_count, int64_t new_urls);

 private:
  // The setting that tells collect how to page, for the messages.
  std::string PagingSetting() const;

  PaginationConfig config_;
  int64_t stall_pages_;
  std::string stall_setting_;
  std::unordered_set<std::string> visited_;  // cursors or next URLs
  uint64_t last_hash_ = 0;
  int64_t last_count_ = 0;
  int64_t stalled_ = 0;
};

// A hash of a page's items (their JSON text) for ProgressGuard::Check.
uint64_t HashItems(const std::vector<const nlohmann::json*>& items);

}  // namespace cfm

#endif  // CFMIGRATE_PAGINATION_GUARD_H_
