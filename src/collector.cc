#include "collector.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "collector_page.h"
#include "progress.h"

namespace cfm {

Collector::Collector(CollectorOptions options, HttpClient* http, Clock* clock,
                     const std::atomic<int>* stop)
    : options_(std::move(options)),
      http_(http),
      clock_(clock),
      stop_(stop),
      secret_{options_.auth_token,
              options_.auth_style == "query" ? options_.auth_query_param : ""},
      limiter_(options_.rate_limit, clock),
      random_(options_.unit_random) {
  if (!random_) {
    auto engine = std::make_shared<std::mt19937>(std::random_device{}());
    random_ = [engine] {
      return std::uniform_real_distribution<double>(0, 1)(*engine);
    };
  }
}

Collector::~Collector() = default;

Status Collector::Run() {
  Result<std::unique_ptr<Paginator>> paginator =
      NewPaginator(options_.pagination);
  if (!paginator.ok()) return paginator.status();
  paginator_ = std::move(*paginator);
  guard_ = std::make_unique<ProgressGuard>(
      options_.pagination, options_.stall_pages, "API_STALL_PAGES");
  if (Status s = Resume(); !s.ok()) return s;
  // Sizing the set up front avoids holding old and new tables while growing.
  if (options_.expected_total > 0)
    seen_.Reserve(static_cast<size_t>(options_.expected_total));
  started_ = NowSeconds();
  urls_at_start_ = stats_.urls_written;
  while (!state_.done) {
    if (Stopping()) return Finish(Status::Aborted("stopped by a signal"));
    if (options_.max_pages > 0 && pages_this_run_ >= options_.max_pages) {
      stats_.max_pages_reached = true;
      return Finish(Status::OK());
    }
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
  stats_.duplicates = {c->duplicates, c->duplicate_example};
  stats_.foreign = {c->foreign, c->foreign_example};
  stats_.malformed = {c->malformed, c->malformed_example};
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
    ssize_t n = ::read(fd, buf.data(),
                       static_cast<size_t>(std::min<int64_t>(
                           left, static_cast<int64_t>(buf.size()))));
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
  // The auth parameter is stripped from next URLs; this is for a token the
  // API might put elsewhere.
  c.state.cursor = Redacted(c.state.cursor);
  c.state.next_url = Redacted(c.state.next_url);
  c.urls_written = stats_.urls_written;
  c.output_bytes = out_.durable_size();
  c.duplicates = stats_.duplicates.count;
  c.duplicate_example = stats_.duplicates.example;
  c.foreign = stats_.foreign.count;
  c.foreign_example = stats_.foreign.example;
  c.malformed = stats_.malformed.count;
  c.malformed_example = stats_.malformed.example;
  c.pages = stats_.pages;
  c.api_total = stats_.api_total;
  urls_at_checkpoint_ = stats_.urls_written;
  return SaveCheckpoint(options_.checkpoint_file, c);
}

void Collector::MaybeLogProgress() {
  if (stats_.urls_written < next_progress_ * options_.progress_every) return;
  next_progress_ = stats_.urls_written / options_.progress_every + 1;
  double elapsed = std::max(1e-6, NowSeconds() - started_);
  double url_rate = (stats_.urls_written - urls_at_start_) / elapsed;
  int64_t total =
      stats_.api_total >= 0 ? stats_.api_total : options_.expected_total;
  std::string eta;
  if (total > 0 && url_rate > 0)
    eta = ", ETA " + FormatDuration((total - stats_.urls_written) / url_rate) +
          " (of " + std::to_string(total) + ")";
  spdlog::info(
      "{} URLs, {} pages, {:.1f} requests/s, {} duplicates, {} foreign, {} "
      "not URLs{}",
      stats_.urls_written, stats_.pages, stats_.requests / elapsed,
      stats_.duplicates.count, stats_.foreign.count, stats_.malformed.count,
      eta);
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
