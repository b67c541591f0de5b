// status.json: the live state of a collect, migrate or validate run, kept
// in STATE_DIR so `cfmigrate status` (or any script) can look in from
// outside without disturbing the run. The run rewrites it atomically (temp
// file, fsync, rename) every second or two and once more at exit, so a
// reader always sees one whole version and a kill -9 leaves the last one.
// (Not to be confused with status.h, the Status/Result error type.)
#ifndef CFMIGRATE_STATUS_FILE_H_
#define CFMIGRATE_STATUS_FILE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "clock.h"
#include "status.h"

namespace cfm {

// One failure reason class and how many objects it took, with an example.
struct ReasonCount {
  uint64_t count = 0;
  std::string example;  // the first URL that failed this way
  bool gone = false;    // the source no longer has it; retrying won't help
};

struct RunStatus {
  std::string command;  // "migrate", "validate", "collect"
  int64_t pid = 0;
  int64_t started_at = 0;  // Unix seconds
  int64_t updated_at = 0;  // Unix seconds
  uint64_t total = 0;      // what the run has to get through
  uint64_t done = 0;       // of `total`, settled (copied, skipped or failed)
  uint64_t skipped = 0;    // already done before this run
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  uint64_t malformed = 0;
  uint64_t retrying = 0;
  uint64_t bytes = 0;
  double files_per_second = 0;  // recent
  double files_per_second_avg = 0;
  double bytes_per_second = 0;  // recent
  double bytes_per_second_avg = 0;
  double eta_seconds = -1;  // < 0: unknown (written as null)
  int in_flight = 0;
  int limit = 0;                                // current in-flight limit
  int limit_max = 0;                            // configured CONCURRENCY
  std::map<std::string, ReasonCount> failures;  // by reason class
  std::optional<int> exit_code;                 // nullopt while running
  std::string outcome;  // how it ended, "" while running
  std::string shard;    // "shard 3 of 16" when the list is split, else ""
};

// The JSON text of `s` (pretty-printed, ends with a newline). Field names
// are the contract in docs/design.md; `running` is true exactly while
// `exit_code` is unset.
std::string StatusToJson(const RunStatus& s);

// Parses what StatusToJson wrote. kCorruption on text that is not such an
// object (missing fields take their defaults).
Result<RunStatus> StatusFromJson(const std::string& text);

// Writes `s` to `path` (normally STATE_DIR/status.json) atomically (file
// mode 0644; see WriteFileAtomically). kIOError naming the failed step.
Status WriteStatusFile(const std::string& path, const RunStatus& s);

// Where a run's report is kept for good: `state_dir`/reports/<start time,
// UTC, like 20261202T094757Z>-<command>.json; when a report of that name
// exists already (two runs in one second), "-<pid>" is added before
// ".json". Creates reports/ when missing; kIOError naming it on failure.
Result<std::string> HistoryReportPath(const std::string& state_dir,
                                      int64_t started_at,
                                      const std::string& command);

// status.json for a command without a live view of its own (validate):
// written as running when made, then on Progress (at most once a second)
// and on End. Write errors are ignored: status.json is a view, and a run
// must not fail because it cannot be written. One thread at a time.
class SimpleStatusFile {
 public:
  // `clock` (wall time for the file's times) is borrowed.
  SimpleStatusFile(std::string path, std::string command,
                   Clock* clock = SystemClock());
  void Progress(uint64_t done, uint64_t total);
  void End(int exit_code, std::string outcome);

 private:
  std::string path_;
  Clock* clock_;
  RunStatus status_;
};

}  // namespace cfm

#endif  // CFMIGRATE_STATUS_FILE_H_
