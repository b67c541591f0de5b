#include "state_sync.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <utility>

#include "cli.h"
#include "file_util.h"
#include "status_file.h"

namespace cfm {
namespace {

// At most this many bytes of completed.txt go into one segment.
constexpr size_t kMaxSegmentBytes = 32 << 20;

// Reads bytes [offset, offset + max) of `path` (fewer at its end).
Result<std::string> ReadRange(const std::string& path, uint64_t offset,
                              size_t max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return Status::IOError(path + ": open: " + std::strerror(errno));
  }
  std::string data(max, '\0');
  size_t have = 0;
  while (have < max) {
    ssize_t n =
        ::pread(fd, &data[have], max - have, static_cast<off_t>(offset + have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IOError(path + ": read: " + std::strerror(errno));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(have);
  return data;
}

// Size and inode of `path`; zeros when it does not exist.
std::pair<uint64_t, uint64_t> SizeAndInode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return {0, 0};
  return {static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
}

// The marker's text: what of which completed.txt went to which prefix.
std::string MarkerText(uint64_t bytes, uint64_t inode,
                       const std::string& prefix) {
  return std::to_string(bytes) + " " + std::to_string(inode) + " " + prefix +
         "\n";
}

}  // namespace

size_t ForEachSegmentRecord(
    std::string_view segment,
    const std::function<void(const CompletedRecord&, std::string_view)>& fn) {
  CompletedRecord r;
  size_t passed = 0;
  size_t pos = 0;
  while (pos < segment.size()) {
    size_t nl = segment.find('\n', pos);
    if (nl == std::string_view::npos) break;  // torn last line
    std::string_view line = segment.substr(pos, nl - pos);
    pos = nl + 1;
    if (!ParseCompletedLine(line, &r)) continue;
    fn(r, line);
    ++passed;
  }
  return passed;
}

std::string SegmentKey(const std::string& shard_prefix, const std::string& stem,
                       uint64_t seq) {
  char n[32];
  std::snprintf(n, sizeof(n), "%06llu", static_cast<unsigned long long>(seq));
  return shard_prefix + "completed/" + stem + "-" + n + ".txt";
}

std::string NewRunStem(int64_t started_at) {
  std::time_t t = static_cast<std::time_t>(started_at);
  char when[32];
  std::strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", std::gmtime(&t));
  char id[16];
  std::snprintf(id, sizeof(id), "%08x",
                static_cast<unsigned>(std::random_device()()));
  return std::string(when) + "-" + id;
}

Result<RestoreCounts> RestoreCompleted(ObjectStore* store,
                                       const std::string& shard_prefix,
                                       const std::string& completed_path) {
  Result<std::vector<std::string>> keys =
      store->List(shard_prefix + "completed/");
  if (!keys.ok()) return keys.status();
  RestoreCounts counts;
  std::string out = kCompletedHeader;
  for (const std::string& key : *keys) {
    Result<std::string> body = store->Get(key);
    if (!body.ok()) return body.status();
    ++counts.segments;
    counts.records += ForEachSegmentRecord(
        *body, [&out](const CompletedRecord&, std::string_view line) {
          out.append(line).push_back('\n');
        });
  }
  if (counts.records == 0) return counts;  // leave the empty file alone
  Status s = WriteFileAtomically(completed_path, out, kSharedFileMode);
  if (!s.ok()) return s;
  return counts;
}

StateSync::StateSync(StateSyncOptions options) : o_(std::move(options)) {}

StateSync::~StateSync() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StateSync::Init() {
  Result<std::string> marker = ReadWholeFile(o_.marker_path);
  if (!marker.ok()) return;
  unsigned long long bytes = 0, inode = 0;
  char prefix[1024] = "";
  if (std::sscanf(marker->c_str(), "%llu %llu %1023s", &bytes, &inode,
                  prefix) != 3)
    return;
  // Another prefix, or a rewritten completed.txt (validate prunes it
  // through a new file): upload it all again; duplicates are harmless.
  auto [size, ino] = SizeAndInode(o_.completed_path);
  if (o_.shard_prefix != prefix || inode != ino || bytes > size) return;
  offset_ = bytes;
}

void StateSync::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void StateSync::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(o_.interval_ms));
    if (stop_) break;
    lock.unlock();
    Status s = SyncOnce();
    lock.lock();
    // Logged once per outage; records stay pending for the next round.
    if (!s.ok() && last_error_.empty())
      spdlog::warn("STATE_URI: upload failed, retrying every {} s: {}",
                   o_.interval_ms / 1000, s.ToString());
    last_error_ = s.ok() ? "" : s.ToString();
  }
}

std::string StateSync::last_error() {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

Status StateSync::UploadRecords() {
  while (true) {
    Result<std::string> data =
        ReadRange(o_.completed_path, offset_, kMaxSegmentBytes);
    if (!data.ok()) return data.status();
    size_t end = data->rfind('\n');
    if (end == std::string::npos) return Status::OK();  // nothing whole yet
    data->resize(end + 1);
    Status s = o_.store->Put(SegmentKey(o_.shard_prefix, o_.stem, seq_ + 1),
                             kCompletedHeader + *data);
    if (!s.ok()) return s;
    ++seq_;
    offset_ += data->size();
    s = WriteFileAtomically(
        o_.marker_path,
        MarkerText(offset_, SizeAndInode(o_.completed_path).second,
                   o_.shard_prefix),
        kSharedFileMode);
    if (!s.ok()) return s;
    if (data->size() < kMaxSegmentBytes / 2) return Status::OK();
  }
}

Status StateSync::UploadIfChanged(const std::string& path,
                                  const std::string& name, std::string* last) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    return text.status().code() == Status::Code::kNotFound ? Status::OK()
                                                           : text.status();
  }
  if (*text == *last) return Status::OK();
  Status s = o_.store->Put(o_.shard_prefix + name, *text);
  if (s.ok()) *last = std::move(*text);
  return s;
}

Status StateSync::SyncOnce() {
  Status first = UploadRecords();
  Status s =
      UploadIfChanged(o_.failed_path, "failed_transfers.txt", &last_failed_);
  if (first.ok()) first = s;
  s = UploadIfChanged(o_.status_path, "status.json", &last_status_);
  if (first.ok()) first = s;
  return first;
}

Status StateSync::Finish(const std::string& report_path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  Status first = SyncOnce();
  std::string none;
  Status s = UploadIfChanged(report_path, "migration_report.json", &none);
  return first.ok() ? s : first;
}

}  // namespace cfm
