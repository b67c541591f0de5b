#include "live_view.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

namespace cfm {

LiveView::LiveView(std::string command, std::string status_path,
                   std::string failed_path, int64_t start_ms,
                   int64_t started_at)
    : command_(std::move(command)),
      status_path_(std::move(status_path)),
      tail_(std::move(failed_path)),
      meter_(start_ms),
      started_at_(started_at),
      last_second_(start_ms - 1000) {}

RunStatus LiveView::Snapshot(int64_t now_ms, const LiveFigures& f) const {
  const ProgressCounts& c = f.counts;
  ProgressFigures p = meter_.Figures(now_ms, c);
  RunStatus s;
  s.command = command_;
  s.shard = shard_;
  s.pid = ::getpid();
  s.started_at = started_at_;
  s.updated_at = SystemClock()->WallSeconds();
  s.total = c.total;
  s.done = p.done;
  s.skipped = c.skipped;
  s.succeeded = c.succeeded;
  s.failed = c.failed;
  s.malformed = f.malformed;
  s.retrying = c.retrying;
  s.bytes = c.bytes;
  s.files_per_second = p.recent_fps;
  s.files_per_second_avg = p.fps;
  s.bytes_per_second = p.recent_bytes_per_s;
  s.bytes_per_second_avg = p.bytes_per_s;
  s.eta_seconds = p.eta_seconds;
  s.in_flight = f.in_flight;
  s.limit = f.limit.limit;
  s.limit_max = f.limit.max;
  s.failures = tail_.tally().by_reason();
  return s;
}

Status LiveView::Tick(int64_t now_ms, const LiveFigures& f) {
  const ProgressCounts& c = f.counts;
  Status st;
  if (now_ms - last_second_ >= 1000) {
    meter_.Sample(now_ms, c);
    tail_.Poll();
    st = WriteStatusFile(status_path_, Snapshot(now_ms, f));
    last_second_ = now_ms;
  }
  if (c.succeeded + c.failed >= next_line_) {
    spdlog::info(meter_.Line(now_ms, c));
    next_line_ = (c.succeeded + c.failed) / 1000 * 1000 + 1000;
  }
  if (LiveLineEnabled() && now_ms - last_bar_ >= 500) {
    SetLiveLine(meter_.StatusBar(now_ms, c, f.limit, TerminalWidth()));
    last_bar_ = now_ms;
  }
  if (!st.ok() && !status_failed_) {
    status_failed_ = true;
    return st;
  }
  return Status::OK();
}

Status LiveView::Finish(int64_t now_ms, const LiveFigures& f, int exit_code,
                        const std::string& outcome) {
  SetLiveLine("");
  meter_.Sample(now_ms, f.counts);
  tail_.Poll();
  RunStatus s = Snapshot(now_ms, f);
  s.exit_code = exit_code;
  s.outcome = outcome;
  return WriteStatusFile(status_path_, s);
}

}  // namespace cfm
