// The pieces of `cfmigrate migrate` around the engine: preparing the state
// directory, the dry run, the final report. Split from cmd_migrate.cc to
// keep each file to one concern.
#ifndef CFMIGRATE_MIGRATE_RUN_H_
#define CFMIGRATE_MIGRATE_RUN_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "key_mapper.h"
#include "settings.h"
#include "status.h"
#include "status_file.h"

namespace cfm {

// Moves last run's failed_transfers.txt aside to failed_transfers.prev.txt
// so this run's file holds this run's failures only. When the input list
// is that very file, returns the new path of the input; else `list_path`.
Result<std::string> RotateFailedList(const std::string& failed_path,
                                     const std::string& list_path);

struct RunSummary {
  uint64_t lines = 0;
  uint64_t unique = 0;
  uint64_t skipped = 0;
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  uint64_t malformed = 0;
  uint64_t bytes = 0;
  double elapsed_seconds = 0;
  bool interrupted = false;
  std::string stop_reason;
  int exit_code = 0;
  int64_t started_at = 0;  // Unix seconds
  std::string shard;       // "shard 3 of 16" when the list is split
};

// Writes the run's report to STATE_DIR/reports/<start>-migrate.json (kept
// for good) and to `path` (migration_report.json, the latest migrate's),
// each atomically (temp file, fsync, rename). kIOError naming the file.
Status WriteReport(const std::string& path, const RunSummary& summary,
                   const Settings& settings);

// How the run ended, in a few words for status.json: "complete",
// "finished with 3 failures", "interrupted", "stopped: <reason>".
std::string Outcome(const RunSummary& summary);

// `cfmigrate migrate` with `args` (the run's own arguments) but reading
// `list_path`: any --source-urls-file is replaced; words are shell-quoted
// when they need it.
std::string RetryCommand(const std::vector<std::string>& args,
                         const std::string& list_path);

// Logs what went wrong and what to do: failures grouped by reason (gone at
// the source, not a usable URL, retryable) with a count and an example
// each; when some are retryable and the run went through its whole list,
// writes them to `retry_path` and logs the command that retries them.
void LogFailureAdvice(const RunSummary& summary,
                      const std::map<std::string, ReasonCount>& by_reason,
                      const std::string& failed_path,
                      const std::string& retry_path,
                      const std::vector<std::string>& args);

// The closing lines printed to the console.
std::string FormatSummary(const RunSummary& summary);

}  // namespace cfm

#endif  // CFMIGRATE_MIGRATE_RUN_H_
