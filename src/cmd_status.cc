// cfmigrate status: reads STATE_DIR/status.json and says whether the run is
// alive and how it is doing, or how it ended. Reads only: never takes the
// lock, never writes, so it cannot disturb the run it looks at.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "commands.h"
#include "failure_tally.h"
#include "file_util.h"
#include "progress.h"
#include "scale_out.h"
#include "status_file.h"

namespace cfm {
namespace {

struct StatusArgs {
  std::string state_dir = ".";
  std::string state_uri;  // --state-uri: every shard's status in S3
  bool json = false;
};

constexpr char kUsage[] =
    "Usage: cfmigrate status [--state-dir DIR | --state-uri s3://B/P/] "
    "[--json]\n\n"
    "Reads DIR/status.json (DIR: --state-dir, else $STATE_DIR, else .) and\n"
    "says whether the run is alive (the pid holding DIR's lock) and how it\n"
    "is doing, or how it ended. --json prints one JSON object for scripts.\n"
    "--state-uri reads every shard's status.json under a STATE_URI instead:\n"
    "done/total per shard and overall; a shard not finished whose status\n"
    "was not updated for 60 s is marked DEAD (start it again to resume).\n"
    "Exit codes: 0 status shown, 2 no status.json or bad arguments.\n";

// Parses the arguments; returns an exit code to stop with, or -1.
int ParseArgs(const std::vector<std::string>& args, StatusArgs* out) {
  if (const char* env = std::getenv("STATE_DIR"); env && *env)
    out->state_dir = env;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return 0;
    } else if (a == "--json") {
      out->json = true;
    } else if (a == "--state-dir" && i + 1 < args.size()) {
      out->state_dir = args[++i];
    } else if (a.rfind("--state-dir=", 0) == 0) {
      out->state_dir = a.substr(12);
    } else if (a == "--state-uri" && i + 1 < args.size()) {
      out->state_uri = args[++i];
    } else if (a.rfind("--state-uri=", 0) == 0) {
      out->state_uri = a.substr(12);
    } else {
      std::fprintf(stderr, "cfmigrate status: unexpected argument '%s'\n\n%s",
                   a.c_str(), kUsage);
      return kExitConfig;
    }
  }
  return -1;
}

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// Whether the process that wrote `s` is still that run: it has not written
// its exit code, its pid is alive and the STATE_DIR lock names it.
bool IsRunning(const RunStatus& s, const std::string& dir) {
  if (s.exit_code || s.pid <= 0) return false;
  if (::kill(static_cast<pid_t>(s.pid), 0) != 0 && errno != EPERM) return false;
  Result<std::string> lock = ReadWholeFile(Join(dir, ".cfmigrate.lock"));
  return lock.ok() &&
         lock->find("(pid " + std::to_string(s.pid) + ")") != std::string::npos;
}

std::string Clock(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  return buf;
}

std::string Rates(double fps, double bytes_per_s) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%.1f files/s %.1f MB/s", fps,
                bytes_per_s / 1e6);
  return buf;
}

std::string Headline(const RunStatus& s, bool running) {
  std::string head = "cfmigrate " + s.command + " (pid " +
                     std::to_string(s.pid) +
                     (s.shard.empty() ? "" : ", " + s.shard) + "): ";
  if (running) return head + "running";
  if (s.exit_code)
    return head + "ended: " + s.outcome + " (exit " +
           std::to_string(*s.exit_code) + ")";
  return head +
         "NOT running, and it did not finish (killed?); figures as "
         "last written";
}

void PrintRates(const RunStatus& s, bool running) {
  std::printf("  rate       now %s | avg %s\n",
              Rates(s.files_per_second, s.bytes_per_second).c_str(),
              Rates(s.files_per_second_avg, s.bytes_per_second_avg).c_str());
  if (!running) return;
  std::printf("  ETA        %s\n", FormatDuration(s.eta_seconds).c_str());
  std::printf("  in flight  %d (limit %d of %d)\n", s.in_flight, s.limit,
              s.limit_max);
  std::printf("  retrying   %llu\n", (unsigned long long)s.retrying);
}

void PrintScreen(const RunStatus& s, bool running) {
  std::printf("%s\n", Headline(s, running).c_str());
  if (s.total == 0 && s.succeeded == 0) {
    // collect and validate count what they got through, with no total.
    std::printf("  done       %llu\n", (unsigned long long)s.done);
  } else {
    double pct = s.total ? 100.0 * s.done / s.total : 100.0;
    std::printf(
        "  done       %llu of %llu (%.1f%%): %llu copied, %llu "
        "already done, %llu failed, %llu malformed\n",
        (unsigned long long)s.done, (unsigned long long)s.total, pct,
        (unsigned long long)s.succeeded, (unsigned long long)s.skipped,
        (unsigned long long)s.failed, (unsigned long long)s.malformed);
  }
  // collect and validate keep no rates; their logs have the details.
  if (s.command == "migrate") PrintRates(s, running);
  for (const std::string& line : FormatFailureGroups(s.failures))
    std::printf("  %s\n", line.c_str());
  std::printf("  started    %s\n", Clock(s.started_at).c_str());
  std::printf("  updated    %s (%s ago)\n", Clock(s.updated_at).c_str(),
              FormatDuration(static_cast<double>(SystemClock()->WallSeconds() -
                                                 s.updated_at))
                  .c_str());
}

}  // namespace

int RunStatusCommand(const std::vector<std::string>& args) {
  StatusArgs a;
  if (int code = ParseArgs(args, &a); code >= 0) return code;
  if (!a.state_uri.empty()) return ShowUnionStatus(a.state_uri, a.json);
  std::string path = Join(a.state_dir, "status.json");
  Result<std::string> text = ReadWholeFile(path);
  Result<RunStatus> s =
      text.ok() ? StatusFromJson(*text) : Result<RunStatus>(text.status());
  if (!s.ok()) {
    std::fprintf(stderr,
                 "cfmigrate status: %s: %s (no run has written it yet?)\n",
                 path.c_str(), s.status().message().c_str());
    return kExitConfig;
  }
  bool running = IsRunning(*s, a.state_dir);
  if (a.json) {
    nlohmann::json j = nlohmann::json::parse(StatusToJson(*s));
    j["running"] = running;
    std::printf("%s\n", j.dump().c_str());
  } else {
    PrintScreen(*s, running);
  }
  return kExitOk;
}

}  // namespace cfm
