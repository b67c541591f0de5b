#include "status_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "file_util.h"

namespace cfm {
namespace {

nlohmann::json FailuresToJson(const std::map<std::string, ReasonCount>& f) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [reason, rc] : f)
    out[reason] = {
        {"count", rc.count}, {"example", rc.example}, {"gone", rc.gone}};
  return out;
}

template <typename T>
void Take(const nlohmann::json& j, const char* name, T* out) {
  auto it = j.find(name);
  if (it != j.end() && !it->is_null()) *out = it->get<T>();
}

}  // namespace

std::string StatusToJson(const RunStatus& s) {
  nlohmann::json j = {
      {"running", !s.exit_code.has_value()},
      {"pid", s.pid},
      {"command", s.command},
      {"started_at", s.started_at},
      {"updated_at", s.updated_at},
      {"total", s.total},
      {"done", s.done},
      {"skipped", s.skipped},
      {"succeeded", s.succeeded},
      {"failed", s.failed},
      {"malformed", s.malformed},
      {"retrying", s.retrying},
      {"bytes", s.bytes},
      {"files_per_second", s.files_per_second},
      {"files_per_second_avg", s.files_per_second_avg},
      {"megabytes_per_second", s.bytes_per_second / 1e6},
      {"megabytes_per_second_avg", s.bytes_per_second_avg / 1e6},
      {"eta_seconds", nullptr},
      {"in_flight", s.in_flight},
      {"limit", s.limit},
      {"limit_max", s.limit_max},
      {"failures", FailuresToJson(s.failures)},
      {"exit_code", nullptr},
      {"outcome", s.outcome},
  };
  if (s.eta_seconds >= 0) j["eta_seconds"] = s.eta_seconds;
  if (s.exit_code) j["exit_code"] = *s.exit_code;
  if (!s.shard.empty()) j["shard"] = s.shard;
  return j.dump(2) + "\n";
}

Result<RunStatus> StatusFromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("command"))
    return Status::Corruption("not a cfmigrate status file");
  RunStatus s;
  try {
    Take(j, "command", &s.command);
    Take(j, "pid", &s.pid);
    Take(j, "started_at", &s.started_at);
    Take(j, "updated_at", &s.updated_at);
    Take(j, "total", &s.total);
    Take(j, "done", &s.done);
    Take(j, "skipped", &s.skipped);
    Take(j, "succeeded", &s.succeeded);
    Take(j, "failed", &s.failed);
    Take(j, "malformed", &s.malformed);
    Take(j, "retrying", &s.retrying);
    Take(j, "bytes", &s.bytes);
    Take(j, "files_per_second", &s.files_per_second);
    Take(j, "files_per_second_avg", &s.files_per_second_avg);
    double mbps = 0, mbps_avg = 0;
    Take(j, "megabytes_per_second", &mbps);
    Take(j, "megabytes_per_second_avg", &mbps_avg);
    s.bytes_per_second = mbps * 1e6;
    s.bytes_per_second_avg = mbps_avg * 1e6;
    Take(j, "eta_seconds", &s.eta_seconds);
    Take(j, "in_flight", &s.in_flight);
    Take(j, "limit", &s.limit);
    Take(j, "limit_max", &s.limit_max);
    Take(j, "outcome", &s.outcome);
    Take(j, "shard", &s.shard);
    if (j.contains("exit_code") && !j["exit_code"].is_null())
      s.exit_code = j["exit_code"].get<int>();
    auto failures = j.find("failures");
    if (failures != j.end() && failures->is_object())
      for (auto it = failures->begin(); it != failures->end(); ++it)
        s.failures[it.key()] = ReasonCount{it->value("count", uint64_t{0}),
                                           it->value("example", std::string()),
                                           it->value("gone", false)};
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("bad status file: ") + e.what());
  }
  return s;
}

Result<std::string> HistoryReportPath(const std::string& state_dir,
                                      int64_t started_at,
                                      const std::string& command) {
  std::string dir =
      state_dir.empty() || state_dir == "."
          ? std::string("reports")
          : state_dir + (state_dir.back() == '/' ? "" : "/") + "reports";
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return ErrnoStatus(errno, "create directory", dir);
  std::time_t t = static_cast<std::time_t>(started_at);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", std::gmtime(&t));
  std::string path = dir + "/" + stamp + "-" + command;
  struct stat st;
  if (::stat((path + ".json").c_str(), &st) == 0)
    path += "-" + std::to_string(::getpid());
  return path + ".json";
}

Status WriteStatusFile(const std::string& path, const RunStatus& s) {
  return WriteFileAtomically(path, StatusToJson(s), kSharedFileMode);
}

SimpleStatusFile::SimpleStatusFile(std::string path, std::string command,
                                   Clock* clock)
    : path_(std::move(path)), clock_(clock) {
  status_.command = std::move(command);
  status_.pid = ::getpid();
  status_.started_at = status_.updated_at = clock_->WallSeconds();
  (void)WriteStatusFile(path_, status_);
}

void SimpleStatusFile::Progress(uint64_t done, uint64_t total) {
  int64_t now = clock_->WallSeconds();
  status_.done = done;
  status_.total = total;
  if (now == status_.updated_at) return;
  status_.updated_at = now;
  (void)WriteStatusFile(path_, status_);
}

void SimpleStatusFile::End(int exit_code, std::string outcome) {
  status_.updated_at = clock_->WallSeconds();
  status_.exit_code = exit_code;
  status_.outcome = std::move(outcome);
  (void)WriteStatusFile(path_, status_);
}

}  // namespace cfm
