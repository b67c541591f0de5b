// What a long run shows while it goes, for migrate's monitor thread: a
// progress log line every 1000 files, the terminal's live line (redrawn at
// most twice a second, fitted to the width) and STATE_DIR/status.json
// (rewritten every second and once more at the end). Called from one
// thread only.
#ifndef CFMIGRATE_LIVE_VIEW_H_
#define CFMIGRATE_LIVE_VIEW_H_

#include <cstdint>
#include <string>

#include "failure_tally.h"
#include "progress.h"
#include "status.h"
#include "status_file.h"

namespace cfm {

// What the monitor knows at one moment.
struct LiveFigures {
  ProgressCounts counts;
  uint64_t malformed = 0;
  int in_flight = 0;
  LimitFigures limit;
};

// What the run monitor draws on each round (LiveView; a fake in tests).
// One thread only.
class LiveDisplay {
 public:
  virtual ~LiveDisplay() = default;
  // Shows the figures at `now_ms`. Fails only when a state file cannot be
  // written; the caller logs it and goes on.
  virtual Status Tick(int64_t now_ms, const LiveFigures& f) = 0;
};

class LiveView : public LiveDisplay {
 public:
  // `status_path` is where status.json goes; `failed_path` the failed list
  // the failures are tallied from. The run started at `start_ms` on the
  // NowMs() clock, which was `started_at` in Unix seconds.
  LiveView(std::string command, std::string status_path,
           std::string failed_path, int64_t start_ms, int64_t started_at);

  // Names the shard ("shard 3 of 16") in status.json; "" (the default)
  // when the list is not split.
  void set_shard(std::string label) { shard_ = std::move(label); }

  // Call often (every 100 ms or so). Fails only when status.json cannot be
  // written; the caller logs it once and goes on.
  Status Tick(int64_t now_ms, const LiveFigures& f) override;

  // Takes the live line down, reads the last failures and writes the final
  // status.json with `exit_code` and `outcome` ("complete", ...).
  Status Finish(int64_t now_ms, const LiveFigures& f, int exit_code,
                const std::string& outcome);

  // Failures by reason class, as far as the last Tick or Finish read them.
  const FailureTally& failures() const { return tail_.tally(); }

 private:
  RunStatus Snapshot(int64_t now_ms, const LiveFigures& f) const;

  std::string command_, status_path_, shard_;
  FailedListTail tail_;
  ProgressMeter meter_;
  int64_t started_at_;  // Unix seconds
  int64_t last_second_ = 0, last_bar_ = 0;
  uint64_t next_line_ = 1000;
  bool status_failed_ = false;
};

}  // namespace cfm

#endif  // CFMIGRATE_LIVE_VIEW_H_
