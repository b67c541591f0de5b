#include "migrate_run.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

#include "clock.h"
#include "failure_tally.h"
#include "file_util.h"
#include "progress.h"
#include "status_file.h"

namespace cfm {

Result<std::string> RotateFailedList(const std::string& failed_path,
                                     const std::string& list_path) {
  struct stat failed_st, list_st;
  if (::stat(failed_path.c_str(), &failed_st) != 0) return list_path;
  bool same = ::stat(list_path.c_str(), &list_st) == 0 &&
              failed_st.st_dev == list_st.st_dev &&
              failed_st.st_ino == list_st.st_ino;
  std::string prev = failed_path;
  size_t dot = prev.rfind(".txt");
  prev = dot == std::string::npos ? prev + ".prev"
                                  : prev.substr(0, dot) + ".prev.txt";
  if (::rename(failed_path.c_str(), prev.c_str()) != 0)
    return ErrnoStatus(errno, "move " + failed_path + " to", prev);
  return same ? prev : list_path;
}

Status WriteReport(const std::string& path, const RunSummary& s,
                   const Settings& settings) {
  nlohmann::json j = {
      {"lines", s.lines},
      {"total", s.unique},
      {"skipped_already_done", s.skipped},
      {"succeeded", s.succeeded},
      {"failed", s.failed},
      {"malformed", s.malformed},
      {"bytes", s.bytes},
      {"elapsed_seconds", s.elapsed_seconds},
      {"files_per_second", s.elapsed_seconds > 0
                               ? (s.succeeded + s.failed) / s.elapsed_seconds
                               : 0.0},
      {"megabytes_per_second",
       s.elapsed_seconds > 0 ? s.bytes / s.elapsed_seconds / 1e6 : 0.0},
      {"interrupted", s.interrupted},
      {"stop_reason", s.stop_reason},
      {"exit_code", s.exit_code},
      {"finished_at", static_cast<int64_t>(SystemClock()->WallSeconds())},
      {"destination", "s3://" + settings.Get("DESTINATION_BUCKET") + "/" +
                          settings.Get("DESTINATION_PREFIX")},
      {"source_urls_file", settings.Get("SOURCE_URLS_FILE")},
  };
  j["started_at"] = s.started_at;
  if (!s.shard.empty()) j["shard"] = s.shard;
  std::string text = j.dump(2) + "\n";
  Result<std::string> kept =
      HistoryReportPath(settings.Get("STATE_DIR"), s.started_at, "migrate");
  Status st = kept.ok() ? WriteFileAtomically(*kept, text, kSharedFileMode)
                        : kept.status();
  if (!st.ok()) return st;
  return WriteFileAtomically(path, text, kSharedFileMode);
}

std::string Outcome(const RunSummary& s) {
  if (s.interrupted) return "interrupted";
  if (!s.stop_reason.empty()) return "stopped: " + s.stop_reason;
  if (s.failed + s.malformed)
    return "finished with " + Plural(s.failed + s.malformed, "failure");
  return "complete";
}

namespace {

std::string ShellQuote(const std::string& word) {
  if (!word.empty() &&
      word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
                             "XYZ0123456789-_./=:,@%+") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string RetryCommand(const std::vector<std::string>& args,
                         const std::string& list_path) {
  std::string cmd = "cfmigrate migrate";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--source-urls-file") {
      ++i;
      continue;
    }
    if (args[i].rfind("--source-urls-file=", 0) == 0) continue;
    cmd += " " + ShellQuote(args[i]);
  }
  return cmd + " --source-urls-file " + ShellQuote(list_path);
}

void LogFailureAdvice(const RunSummary& sum,
                      const std::map<std::string, ReasonCount>& by_reason,
                      const std::string& failed_path,
                      const std::string& retry_path,
                      const std::vector<std::string>& args) {
  if (sum.failed + sum.malformed == 0) return;
  for (const std::string& line : FormatFailureGroups(by_reason))
    spdlog::info("{}", line);
  spdlog::info("every failed URL and its reason: {}", failed_path);
  if (sum.interrupted || !sum.stop_reason.empty()) return;
  Result<uint64_t> n = WriteRetryableList(failed_path, retry_path);
  if (!n.ok()) {
    spdlog::error("{}", n.status().ToString());
  } else if (*n > 0) {
    spdlog::info("to retry the {}:", Plural(*n, "retryable URL"));
    spdlog::info("  {}", RetryCommand(args, retry_path));
  }
}

std::string FormatSummary(const RunSummary& s) {
  char buf[1024];
  double fps =
      s.elapsed_seconds > 0 ? (s.succeeded + s.failed) / s.elapsed_seconds : 0;
  double mbps = s.elapsed_seconds > 0 ? s.bytes / s.elapsed_seconds / 1e6 : 0;
  std::snprintf(
      buf, sizeof(buf),
      "summary: %llu copied (%.1f MB), %llu failed, %llu already done (in "
      "completed.txt), of %s; %s; in %s (%.1f files/s, %.1f MB/s)",
      static_cast<unsigned long long>(s.succeeded), s.bytes / 1e6,
      static_cast<unsigned long long>(s.failed),
      static_cast<unsigned long long>(s.skipped),
      Plural(s.unique, "unique URL").c_str(),
      Plural(s.malformed, "malformed line").c_str(),
      FormatDuration(s.elapsed_seconds).c_str(), fps, mbps);
  return s.shard.empty() ? std::string(buf) : s.shard + " " + buf;
}

}  // namespace cfm
