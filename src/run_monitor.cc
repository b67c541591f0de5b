#include "run_monitor.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

namespace cfm {

int64_t ResidentBytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return n == 2 ? int64_t{resident} * sysconf(_SC_PAGESIZE) : 0;
}

RunMonitor::RunMonitor(Parts parts)
    : p_(std::move(parts)), last_sync_ms_(p_.clock->NowMs()) {}

void RunMonitor::Run() {
  while (p_.working()) {
    p_.clock->SleepMs(kMonitorRoundMs);
    Tick(p_.clock->NowMs());
  }
}

void RunMonitor::Tick(int64_t now_ms) {
  ApplyStopRules(now_ms);
  SyncWhenDue(now_ms);
  TickAuto();
  Status shown = p_.view->Tick(now_ms, Figures());
  if (!shown.ok()) spdlog::warn("{}", shown.ToString());
}

void RunMonitor::ApplyStopRules(int64_t now_ms) {
  int signals = p_.stop_signals->load();
  StopChanges changed =
      p_.run->Tick(signals, p_.sink->stop_requested(), now_ms, p_.grace_ms);
  if (changed.stop_starting) {
    p_.stop_feed();
    if (signals > 0)
      spdlog::warn(
          "interrupted: finishing {} transfers in flight (up to {} s); "
          "interrupt again to abort them",
          p_.run->in_flight.load(), p_.grace_ms / 1000);
  }
  if (changed.abort_now)
    spdlog::warn("aborting transfers in flight; they will be redone next run");
}

void RunMonitor::SyncWhenDue(int64_t now_ms) {
  if (now_ms - last_sync_ms_ < 1000) return;
  Status s = p_.sink->Sync();
  if (!s.ok()) p_.sink->StopRun(s.ToString());
  last_sync_ms_ = now_ms;
}

// CONCURRENCY=auto: what the run did, in; the limit, out.
void RunMonitor::TickAuto() {
  AutoConcurrency* a = p_.auto_limit;
  if (!a) return;
  AutoConcurrency::Sample s;
  s.finished = p_.sink->succeeded() + p_.sink->failed();
  s.bytes = p_.sink->bytes();
  s.in_flight = p_.run->in_flight.load();
  s.limit_in_force = p_.limit->limit();
  s.rss_bytes = p_.resident_bytes();
  int before = a->limit();
  int windows = a->windows();
  p_.limit->Set(a->Update(s));
  if (a->windows() != windows)
    spdlog::debug("CONCURRENCY=auto: {:.0f} files/s at {} in flight",
                  a->last_rate(), before);
  if (a->limit() != before)
    spdlog::debug("CONCURRENCY=auto: limit {} -> {} ({} finished)", before,
                  a->limit(), s.finished);
}

LiveFigures RunMonitor::Figures() const {
  LiveFigures f;
  ProgressCounts& c = f.counts;
  c.total = p_.total;
  c.skipped = std::min(p_.feed_skipped(), p_.already_done);
  c.succeeded = p_.sink->succeeded();
  c.failed = p_.sink->failed();
  c.retrying = static_cast<uint64_t>(std::max(0, p_.run->retrying.load()));
  c.bytes = p_.sink->bytes();
  f.malformed = p_.sink->malformed();
  f.in_flight = p_.run->in_flight.load();
  f.limit = LimitFigures{p_.limit->limit(), p_.limit->max()};
  return f;
}

}  // namespace cfm
