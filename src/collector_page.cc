// Collector: what one page holds. Checks the shape of the first page,
// writes the URLs it carries and moves the collection on.
#include "collector_page.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "collector.h"

namespace cfm {

using nlohmann::json;

Status Collector::ShapeError(const json& body) const {
  std::string where =
      options_.items_path.empty()
          ? "the response body"
          : "API_ITEMS_PATH '" + options_.items_path.text() + "'";
  std::string msg = where + " reaches no list of items in the " +
                    (pages_this_run_ == 0 ? "first page" : "page") +
                    "; the response is " + DescribeItem(body, secret_);
  if (pages_this_run_ > 0 || stats_.resumed)
    return Status::Corruption(msg + " (page " +
                              std::to_string(stats_.pages + 1) + ")");
  return Status::InvalidArgument(
      msg +
      ". Set API_ITEMS_PATH to the path of the item list (empty when "
      "the body itself is the list)");
}

Status Collector::CheckUrlField(const std::vector<const json*>& items) const {
  std::vector<std::string_view> found;
  size_t reached = 0;
  std::string normalised;
  for (const json* item : items) {
    found.clear();
    reached += CollectStrings(*item, options_.url_field, &found);
    reached += found.size();
    for (std::string_view url : found)
      if (ClassifyUrl(url, options_.source_url_prefix, &normalised) !=
          UrlVerdict::kNotUrl)
        return Status::OK();
  }
  std::string msg =
      "API_URL_FIELD '" + options_.url_field.text() + "' " +
      (reached == 0 ? "reaches nothing" : "reaches no http(s) URL") +
      " in any of the " + std::to_string(items.size()) +
      " items of the first page; the first item is " +
      DescribeItem(*items.front(), secret_);
  std::string path = FindUrlPath(*items.front());
  if (!path.empty() && path != ".")
    msg += ". It holds a URL at '" + path + "': set API_URL_FIELD=" + path;
  return Status::InvalidArgument(msg);
}

Status Collector::WriteUrls(const std::vector<const json*>& items) {
  std::vector<std::string_view> urls;
  std::string url;
  for (const json* item : items) {
    urls.clear();
    size_t non_strings = CollectStrings(*item, options_.url_field, &urls);
    if (non_strings > 0 || urls.empty())
      stats_.malformed.Add(item->dump(), secret_);
    for (std::string_view raw : urls) {
      switch (ClassifyUrl(raw, options_.source_url_prefix, &url)) {
        case UrlVerdict::kNotUrl:
          stats_.malformed.Add(raw, secret_);
          continue;
        case UrlVerdict::kForeign:
          stats_.foreign.Add(url, secret_);
          continue;
        case UrlVerdict::kKeep:
          break;
      }
      if (!seen_.Insert(url)) {
        stats_.duplicates.Add(url, secret_);
      } else if (Status s = out_.AppendLine(url); !s.ok()) {
        output_broken_ = true;
        return s;
      } else {
        ++stats_.urls_written;
      }
    }
  }
  return Status::OK();
}

Status Collector::ProcessPage(const Page& page) {
  std::vector<const json*> items =
      *FindItems(page.body, options_.items_path);  // checked by Attempt
  PageResponse response;
  response.request_url = page.url;
  response.body = &page.body;
  response.link_header = page.link_header;
  response.item_count = static_cast<int64_t>(items.size());
  if (!options_.total_path.empty()) {
    const json* total = options_.total_path.Find(page.body);
    if (total && total->is_number()) stats_.api_total = total->get<int64_t>();
  }
  response.total = stats_.api_total;
  // Nothing of a page is written until every check has passed.
  Result<PageState> next = paginator_->Next(state_, response);
  if (!next.ok()) return next.status().WithContext("GET " + Redacted(page.url));
  if (secret_.query_param.size() && !next->next_url.empty())
    next->next_url = RemoveQueryParam(next->next_url, secret_.query_param);
  if (!url_field_checked_ && !items.empty()) {
    url_field_checked_ = true;
    if (Status s = CheckUrlField(items); !s.ok()) return s;
  }
  if (Status s = guard_->Check(state_, page.url, *next, HashItems(items),
                               response.item_count);
      !s.ok())
    return Status::Corruption(Redacted(s.message()));
  int64_t before = stats_.urls_written;
  if (Status s = WriteUrls(items); !s.ok()) return s;
  state_ = *next;
  stats_.items = state_.items_seen;
  ++stats_.pages;
  ++pages_this_run_;
  MaybeLogProgress();
  Status progress =
      guard_->CountNew(response.item_count, stats_.urls_written - before);
  // Nothing written yet and every URL foreign: the prefix is wrong, not
  // the paging.
  if (!progress.ok() && stats_.urls_written == 0 && stats_.foreign.count > 0)
    return Status::InvalidArgument(
        "no URL under SOURCE_URL_PREFIX " + options_.source_url_prefix +
        " in " + std::to_string(stats_.pages) + " pages (" +
        std::to_string(stats_.foreign.count) + " foreign, e.g. " +
        stats_.foreign.example + "): check SOURCE_URL_PREFIX");
  if (!progress.ok()) return progress;
  if (stats_.urls_written - urls_at_checkpoint_ >= options_.checkpoint_interval)
    return SaveCheckpointNow();
  return Status::OK();
}

}  // namespace cfm
