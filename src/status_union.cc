#include "status_union.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "cli.h"
#include "file_util.h"
#include "progress.h"
#include "state_sync.h"

namespace cfm {
namespace {

using ViewMap = std::map<std::pair<int, int>, ShardView>;

// Splits "shard-1-of-4/status.json" into the shard and "status.json".
bool SplitShardKey(std::string_view rel, ShardSpec* shard,
                   std::string_view* rest) {
  size_t slash = rel.find('/');
  if (slash == std::string_view::npos) return false;
  if (!ParseShardFolder(rel.substr(0, slash), shard)) return false;
  *rest = rel.substr(slash + 1);
  return true;
}

// Fills a view's status.json or list.json from the store.
Status ReadShardFile(ObjectStore* store, const std::string& key,
                     std::string_view name, ShardView* v) {
  Result<std::string> body = store->Get(key);
  if (!body.ok()) {
    return body.status().code() == Status::Code::kNotFound ? Status::OK()
                                                           : body.status();
  }
  if (name == "status.json") {
    Result<RunStatus> s = StatusFromJson(*body);
    if (s.ok()) {
      v->status = std::move(*s);
      v->has_status = true;
    }
  } else {
    auto j = nlohmann::json::parse(*body, nullptr, false);
    if (j.is_object()) v->list_etag = j.value("etag", "");
  }
  return Status::OK();
}

std::string StateOf(const ShardView& v) {
  if (!v.has_status) return "not started";
  if (v.dead) return "dead";
  return v.status.exit_code ? "ended" : "running";
}

std::string Percent(uint64_t done, uint64_t total) {
  return StringPrintf("%.1f%%", total ? 100.0 * done / total : 100.0);
}

std::string ShardLine(const ShardView& v, int64_t now) {
  std::string line = v.shard.Label() + ": ";
  if (!v.has_status) return line + "no state in STATE_URI yet (not started?)";
  const RunStatus& s = v.status;
  std::string figures = StringPrintf(
      "%llu of %llu done (%s), %llu failed", (unsigned long long)s.done,
      (unsigned long long)s.total, Percent(s.done, s.total).c_str(),
      static_cast<unsigned long long>(s.failed) + s.malformed);
  int64_t age = now - s.updated_at;
  if (v.dead)
    return line + "DEAD: not finished and no status update for " +
           FormatDuration(static_cast<double>(age)) + "; last " + figures +
           ". Start it again: it resumes from STATE_URI";
  if (s.exit_code)
    return line + "ended: " + s.outcome + " (exit " +
           std::to_string(*s.exit_code) + "), " + figures;
  return line + "running, " + figures + ", updated " +
         FormatDuration(static_cast<double>(age)) + " ago";
}

}  // namespace

Result<std::vector<ShardView>> LoadShardViews(ObjectStore* store,
                                              const std::string& state_prefix,
                                              int64_t now) {
  Result<std::vector<std::string>> keys = store->List(state_prefix);
  if (!keys.ok()) return keys.status();
  ViewMap views;
  for (const std::string& key : *keys) {
    ShardSpec shard;
    std::string_view rest;
    if (!SplitShardKey(std::string_view(key).substr(state_prefix.size()),
                       &shard, &rest))
      continue;
    ShardView& v = views[{shard.count, shard.index}];
    v.shard = shard;
    if (rest.substr(0, 10) == "completed/") ++v.segments;
    if (rest == "status.json" || rest == "list.json") {
      Status s = ReadShardFile(store, key, rest, &v);
      if (!s.ok()) return s;
    }
  }
  std::set<int> counts;
  for (const auto& [id, v] : views) counts.insert(id.first);
  for (int count : counts)
    for (int i = 0; i < count; ++i)
      views[{count, i}].shard = ShardSpec{i, count};
  std::vector<ShardView> out;
  for (auto& [id, v] : views) {
    v.dead = v.has_status && !v.status.exit_code &&
             now - v.status.updated_at > kDeadAfterSeconds;
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<std::string> FormatShardViews(const std::vector<ShardView>& views,
                                          int64_t now) {
  std::vector<std::string> lines;
  uint64_t done = 0, total = 0, failed = 0;
  std::map<std::string, int> states;
  for (const ShardView& v : views) {
    lines.push_back(ShardLine(v, now));
    ++states[StateOf(v)];
    done += v.status.done;
    total += v.status.total;
    failed += v.status.failed + v.status.malformed;
  }
  std::string tally;
  for (const char* st : {"running", "ended", "dead", "not started"})
    tally +=
        (tally.empty() ? "" : ", ") + std::to_string(states[st]) + " " + st;
  lines.push_back(StringPrintf(
      "all %zu shards: %llu of %llu done (%s), %llu failed; %s%s", views.size(),
      (unsigned long long)done, (unsigned long long)total,
      Percent(done, total).c_str(), (unsigned long long)failed, tally.c_str(),
      states["not started"] ? " (totals count started shards only)" : ""));
  return lines;
}

std::string ShardViewsJson(const std::vector<ShardView>& views) {
  nlohmann::json shards = nlohmann::json::array();
  uint64_t done = 0, total = 0, failed = 0;
  std::vector<int> dead;
  for (const ShardView& v : views) {
    nlohmann::json j = {
        {"shard", v.shard.Label()},         {"index", v.shard.index},
        {"count", v.shard.count},           {"state", StateOf(v)},
        {"segments", v.segments},           {"done", v.status.done},
        {"total", v.status.total},          {"failed", v.status.failed},
        {"updated_at", v.status.updated_at}};
    if (v.status.exit_code) j["exit_code"] = *v.status.exit_code;
    if (v.dead) dead.push_back(v.shard.index);
    done += v.status.done;
    total += v.status.total;
    failed += v.status.failed + v.status.malformed;
    shards.push_back(std::move(j));
  }
  nlohmann::json all = {{"shards", shards},
                        {"done", done},
                        {"total", total},
                        {"failed", failed},
                        {"dead", dead}};
  return all.dump();
}

Status CheckSameList(const std::vector<ShardView>& views, const ShardSpec& self,
                     const std::string& etag) {
  for (const ShardView& v : views) {
    if (v.shard.index == self.index && v.shard.count == self.count) continue;
    if (!v.has_status || v.dead || v.status.exit_code) continue;
    if (v.list_etag.empty() || v.list_etag == etag) continue;
    return Status::InvalidArgument(
        "SOURCE_URLS_FILE changed while shards run: " + v.shard.Label() +
        " (running) read ETag " + v.list_etag + ", this shard sees " + etag +
        ". Every shard must read the same list: put it back, or let every "
        "shard finish and start them all again with the new list");
  }
  return Status::OK();
}

std::string ListJson(const std::string& uri, const std::string& etag) {
  return nlohmann::json{{"uri", uri}, {"etag", etag}}.dump() + "\n";
}

namespace {

// Appends `text` to `path` (creating it; kCompletedHeader first when it
// is empty). kIOError naming the file.
Status AppendText(const std::string& path, std::string text, bool header) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(path + ": open: " + std::strerror(errno));
  struct stat st;
  if (header && ::fstat(fd, &st) == 0 && st.st_size == 0)
    text.insert(0, kCompletedHeader);
  ssize_t n = ::write(fd, text.data(), text.size());
  bool ok = n == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return Status::IOError(path + ": write: " + std::strerror(err));
  return Status::OK();
}

}  // namespace

Result<UnionCounts> MergeUnionRecords(ObjectStore* store,
                                      const std::string& state_prefix,
                                      const std::vector<std::string>& keys,
                                      const std::string& completed_path,
                                      const std::string& merged_path) {
  std::set<std::string> merged;
  if (Result<std::string> text = ReadWholeFile(merged_path); text.ok()) {
    size_t pos = 0, nl;
    while ((nl = text->find('\n', pos)) != std::string::npos) {
      merged.insert(text->substr(pos, nl - pos));
      pos = nl + 1;
    }
  }
  UnionCounts counts;
  for (const std::string& key : keys) {
    ShardSpec shard;
    std::string_view rest;
    if (!SplitShardKey(std::string_view(key).substr(state_prefix.size()),
                       &shard, &rest) ||
        rest.substr(0, 10) != "completed/")
      continue;
    counts.shard_count = std::max(counts.shard_count, shard.count);
    if (merged.count(key)) {
      ++counts.known_segments;
      continue;
    }
    Result<std::string> body = store->Get(key);
    if (!body.ok()) return body.status();
    std::string lines;
    counts.records += ForEachSegmentRecord(
        *body, [&lines](const CompletedRecord&, std::string_view line) {
          lines.append(line).push_back('\n');
        });
    Status s = AppendText(completed_path, lines, true);
    if (s.ok()) s = AppendText(merged_path, key + "\n", false);
    if (!s.ok()) return s;
    ++counts.segments;
  }
  return counts;
}

Result<size_t> MergeUnionFailures(ObjectStore* store,
                                  const std::string& state_prefix,
                                  const std::vector<std::string>& keys,
                                  const std::string& out_path) {
  std::string all;
  size_t lists = 0;
  for (const std::string& key : keys) {
    ShardSpec shard;
    std::string_view rest;
    if (!SplitShardKey(std::string_view(key).substr(state_prefix.size()),
                       &shard, &rest) ||
        rest != "failed_transfers.txt")
      continue;
    Result<std::string> body = store->Get(key);
    if (!body.ok()) return body.status();
    all += *body;
    if (!all.empty() && all.back() != '\n') all.push_back('\n');
    ++lists;
  }
  Status s = WriteFileAtomically(out_path, all, kPrivateFileMode);
  if (!s.ok()) return s;
  return lists;
}

}  // namespace cfm
