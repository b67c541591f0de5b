// The monitor of a migrate run: while the transfer loops work, once per
// round (every 100 ms) it
//  - applies the stop rules: the first SIGINT/SIGTERM or a run-stopping
//    error stops the feed (start nothing new), a second signal or the end
//    of the grace period aborts the transfers in flight (RunControl::Tick),
//    each logged once;
//  - syncs the result files at most once a second; a failed Sync stops the
//    run with the error as the reason (records that cannot be made durable
//    must not pile up);
//  - feeds the CONCURRENCY=auto controller the sink's counters and applies
//    the limit it returns;
//  - draws the live view (progress lines, terminal line, status.json).
// It takes only the parts it uses, so tests drive it with a FakeClock and
// fakes of the sink and the view. One thread (the command's) calls it.
#ifndef CFMIGRATE_RUN_MONITOR_H_
#define CFMIGRATE_RUN_MONITOR_H_

#include <atomic>
#include <cstdint>
#include <functional>

#include "clock.h"
#include "concurrency.h"
#include "concurrency_auto.h"
#include "live_view.h"
#include "migrate_context.h"
#include "result_sink.h"

namespace cfm {

// How long transfers in flight may finish after the first signal (or a
// run-stopping error) before they are aborted.
constexpr int64_t kStopGraceMs = 30000;
// How often Run() does a round.
constexpr int64_t kMonitorRoundMs = 100;

// Resident memory of this process in bytes (0 when unknown).
int64_t ResidentBytes();

class RunMonitor {
 public:
  // What the monitor uses; none of it is owned, all must outlive it. Every
  // pointer and function is required except `auto_limit`.
  struct Parts {
    Clock* clock = nullptr;
    RunControl* run = nullptr;                       // flags and counters
    const std::atomic<int>* stop_signals = nullptr;  // InstallStopSignals()
    MonitoredSink* sink = nullptr;
    ConcurrencyLimit* limit = nullptr;
    AutoConcurrency* auto_limit = nullptr;  // CONCURRENCY=auto, else null
    LiveDisplay* view = nullptr;
    std::function<void()> stop_feed;         // start handing out no more work
    std::function<uint64_t()> feed_skipped;  // records the feed skipped
    std::function<bool()> working;           // transfers may still finish
    std::function<int64_t()> resident_bytes = ResidentBytes;
    uint64_t total = 0;         // unique URLs of this run (its shard)
    uint64_t already_done = 0;  // records of completed.txt at the start
    int64_t grace_ms = kStopGraceMs;
  };

  // The first Sync is due a second after construction (clock->NowMs()).
  explicit RunMonitor(Parts parts);

  // Does rounds, each after clock->SleepMs(kMonitorRoundMs), until
  // `working` says no transfer is left. Returns at once when none is.
  void Run();

  // One round at `now_ms`: stop rules, Sync when due, the auto controller,
  // the live view. Failures are logged or turned into StopRun; none is
  // returned.
  void Tick(int64_t now_ms);

  // What the view shows at this moment (also for the final status.json).
  LiveFigures Figures() const;

 private:
  void ApplyStopRules(int64_t now_ms);
  void SyncWhenDue(int64_t now_ms);
  void TickAuto();

  Parts p_;
  int64_t last_sync_ms_;
};

}  // namespace cfm

#endif  // CFMIGRATE_RUN_MONITOR_H_
