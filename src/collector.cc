#include "collector.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "collector_page.h"
#include "progress.h"

namespace cfm {
namespace {

constexpr int64_t kInvalidLogged = 5;

bool ValidUrl(std::string_view url, std::string_view prefix) {
  if (url.size() <= prefix.size() || url.compare(0, prefix.size(), prefix) != 0)
    return false;
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f) return false;  // would break the line format
  return true;
}

}  // namespace

Collector::Collector(CollectorOptions options, HttpClient* http,
                     TimeSource* clock, const std::atomic<int>* stop)
    : options_(std::move(options)),
      http_(http),
      clock_(clock),
      stop_(stop),
      limiter_(options_.rate_limit, clock) {}

Collector::~Collector() = default;

Status Collector::Run() {
  Result<std::unique_ptr<Paginator>> paginator =
      NewPaginator(options_.pagination);
  if (!paginator.ok()) return paginator.status();
  paginator_ = std::move(*paginator);
  if (Status s = Resume(); !s.ok()) return s;
  // Sizing the set up front avoids holding old and new tables while growing.
  if (options_.expected_total > 0)
    seen_.Reserve(static_cast<size_t>(options_.expected_total));
  started_ = clock_->Now();
  urls_at_start_ = stats_.urls_written;
  while (!state_.done) {
    if (Stopping()) return Finish(Status::Aborted("stopped by a signal"));
    Result<Page> page = FetchPage(paginator_->PageUrl(state_));
    if (!page.ok()) return Finish(page.status());
    if (Status s = ProcessPage(*page); !s.ok()) return Finish(s);
  }
  return Finish(Status::OK());
}

Status Collector::Resume() {
  Result<Checkpoint> c = LoadCheckpoint(options_.checkpoint_file);
  if (!c.ok() && c.status().code() != Status::Code::kNotFound)
    return c.status();
  if (!c.ok()) {
    state_ = paginator_->Start();
    return out_.Open(options_.output_file, 0);
  }
  if (c->api_base_url != options_.pagination.base_url ||
      c->pagination != options_.pagination.style ||
      c->output_file != options_.output_file)
    return Status::InvalidArgument(
        options_.checkpoint_file + " belongs to another collection (" +
        c->pagination + " " + c->api_base_url + " -> " + c->output_file +
        "); delete it to start over");
  if (Status s = out_.Open(options_.output_file, c->output_bytes); !s.ok())
    return s;
  // A finished collection needs no duplicate set: nothing will be added.
  if (Status s = c->state.done ? Status::OK() : RebuildSeen(c->output_bytes);
      !s.ok())
    return s;
  if (!c->state.done && static_cast<int64_t>(seen_.size()) != c->urls_written)
    return Status::Corruption(options_.output_file + " holds " +
                              std::to_string(seen_.size()) +
                              " distinct URLs, the checkpoint says " +
                              std::to_string(c->urls_written));
  state_ = c->state;
  stats_.urls_written = c->urls_written;
  stats_.duplicates = c->duplicates;
  stats_.invalid = c->invalid;
  stats_.pages = c->pages;
  stats_.items = c->state.items_seen;
  stats_.api_total = c->api_total;
  stats_.resumed = true;
  urls_at_checkpoint_ = c->urls_written;
  next_progress_ = c->urls_written / options_.progress_every + 1;
  spdlog::info("resuming: {} URLs in {} after {} pages", c->urls_written,
               options_.output_file, c->pages);
  return Status::OK();
}

Status Collector::RebuildSeen(int64_t length) {
  int fd = ::open(options_.output_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::IOError("open " + options_.output_file + ": " +
                           std::strerror(errno));
  seen_.Reserve(static_cast<size_t>(length / 64));
  std::string buf(1 << 20, '\0'), line;
  int64_t left = length;
  while (left > 0) {
    ssize_t n =
        ::read(fd, buf.data(),
               static_cast<size_t>(std::min<int64_t>(left, buf.size())));
    if (n <= 0) break;
    left -= n;
    // Lines are inserted straight from the buffer; only one that spans two
    // reads is copied.
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    for (size_t nl; (nl = chunk.find('\n')) != std::string_view::npos;) {
      if (line.empty()) {
        seen_.Insert(chunk.substr(0, nl));
      } else {
        line.append(chunk.substr(0, nl));
        seen_.Insert(line);
        line.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
    line.append(chunk);
  }
  ::close(fd);
  if (left > 0 || !line.empty())
    return Status::Corruption(options_.output_file +
                              " does not end with a full line at the "
                              "checkpointed length");
  return Status::OK();
}

void Collector::CountInvalid(std::string_view what) {
  if (++stats_.invalid <= kInvalidLogged)
    spdlog::warn("skipping invalid URL {} (must start with {}){}", what,
                 options_.source_url_prefix,
                 stats_.invalid == kInvalidLogged ? "; not logging more" : "");
}

Status Collector::ProcessPage(const Page& page) {
  std::vector<const nlohmann::json*> items =
      *FindItems(page.body, options_.items_path);  // checked by Attempt
  PageResponse response;
  response.request_url = page.url;
  response.body = &page.body;
  response.link_header = page.link_header;
  response.item_count = static_cast<int64_t>(items.size());
  if (!options_.total_path.empty()) {
    const nlohmann::json* total = options_.total_path.Find(page.body);
    if (total && total->is_number()) stats_.api_total = total->get<int64_t>();
  }
  response.total = stats_.api_total;
  // The next state first: when it fails, nothing of this page is written.
  Result<PageState> next = paginator_->Next(state_, response);
  if (!next.ok()) return next.status().WithContext("GET " + page.url);
  std::vector<std::string_view> urls;
  for (const nlohmann::json* item : items) {
    urls.clear();
    size_t non_strings = CollectStrings(*item, options_.url_field, &urls);
    for (size_t i = 0; i < non_strings; ++i) CountInvalid(item->dump());
    if (urls.empty() && non_strings == 0) CountInvalid(item->dump());
    for (std::string_view url : urls) {
      if (!ValidUrl(url, options_.source_url_prefix)) {
        CountInvalid(url);
      } else if (!seen_.Insert(url)) {
        ++stats_.duplicates;
      } else if (Status s = out_.AppendLine(url); !s.ok()) {
        output_broken_ = true;
        return s;
      } else {
        ++stats_.urls_written;
      }
    }
  }
  state_ = *next;
  stats_.items = state_.items_seen;
  ++stats_.pages;
  MaybeLogProgress();
  if (stats_.urls_written - urls_at_checkpoint_ >= options_.checkpoint_interval)
    return SaveCheckpointNow();
  return Status::OK();
}

Status Collector::SaveCheckpointNow() {
  if (Status s = out_.Sync(); !s.ok()) {
    output_broken_ = true;
    return s;
  }
  Checkpoint c;
  c.api_base_url = options_.pagination.base_url;
  c.pagination = options_.pagination.style;
  c.output_file = options_.output_file;
  c.state = state_;
  c.urls_written = stats_.urls_written;
  c.output_bytes = out_.durable_size();
  c.duplicates = stats_.duplicates;
  c.invalid = stats_.invalid;
  c.pages = stats_.pages;
  c.api_total = stats_.api_total;
  urls_at_checkpoint_ = stats_.urls_written;
  return SaveCheckpoint(options_.checkpoint_file, c);
}

void Collector::MaybeLogProgress() {
  if (stats_.urls_written < next_progress_ * options_.progress_every) return;
  next_progress_ = stats_.urls_written / options_.progress_every + 1;
  double elapsed = std::max(1e-6, clock_->Now() - started_);
  double url_rate = (stats_.urls_written - urls_at_start_) / elapsed;
  int64_t total =
      stats_.api_total >= 0 ? stats_.api_total : options_.expected_total;
  std::string eta;
  if (total > 0 && url_rate > 0)
    eta = ", ETA " + FormatDuration((total - stats_.urls_written) / url_rate) +
          " (of " + std::to_string(total) + ")";
  spdlog::info(
      "{} URLs, {} pages, {:.1f} requests/s, {} duplicates, {} "
      "invalid{}",
      stats_.urls_written, stats_.pages, stats_.requests / elapsed,
      stats_.duplicates, stats_.invalid, eta);
}

Status Collector::Finish(Status status) {
  stats_.complete = state_.done;
  if (!output_broken_) {
    if (Status s = SaveCheckpointNow(); !s.ok()) {
      spdlog::error("cannot save the checkpoint: {}", s.ToString());
      if (status.ok()) status = s;
    }
  }
  return status;
}

}  // namespace cfm
