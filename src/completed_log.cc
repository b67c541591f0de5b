#include "completed_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace cfm {
namespace {

constexpr size_t kBlockSize = 4 << 20;

// Splits off the field before the next TAB (or the rest).
std::string_view NextField(std::string_view* rest) {
  size_t tab = rest->find('\t');
  std::string_view field = rest->substr(0, tab);
  rest->remove_prefix(tab == std::string_view::npos ? rest->size() : tab + 1);
  return field;
}

constexpr std::string_view kVersionPrefix = "# cfmigrate completed v";

// OK, or kInvalidArgument when `line` is a header of a newer version.
Status CheckHeader(std::string_view line, const std::string& path) {
  if (line.substr(0, kVersionPrefix.size()) != kVersionPrefix) {
    return Status::OK();
  }
  line.remove_prefix(kVersionPrefix.size());
  int version = 0;
  std::from_chars(line.data(), line.data() + line.size(), version);
  if (version <= kCompletedVersion) return Status::OK();
  return Status::InvalidArgument(path + ": format v" + std::to_string(version) +
                                 " is newer than this cfmigrate reads (v" +
                                 std::to_string(kCompletedVersion) +
                                 "); use a newer cfmigrate");
}

struct ScanState {
  const std::string& path;
  const std::function<void(const CompletedRecord*, std::string_view)>& fn;
  size_t* skipped;
  CompletedRecord scratch;
  Status status;
};

// Handles one complete line (without its '\n').
void ScanLine(std::string_view line, ScanState* st) {
  if (ParseCompletedLine(line, &st->scratch)) {
    st->fn(&st->scratch, line);
    return;
  }
  if (!line.empty() && line[0] == '#') {
    Status s = CheckHeader(line, st->path);
    if (!s.ok() && st->status.ok()) st->status = s;
  } else if (!line.empty() && st->skipped != nullptr) {
    ++*st->skipped;
  }
  st->fn(nullptr, line);
}

// Calls ScanLine for each complete line in `data`; returns the bytes
// consumed.
size_t ScanBlock(std::string_view data, ScanState* st) {
  size_t pos = 0;
  while (st->status.ok()) {
    const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
    if (nl == nullptr) return pos;
    size_t end = static_cast<const char*>(nl) - data.data();
    ScanLine(data.substr(pos, end - pos), st);
    pos = end + 1;
  }
  return pos;
}

}  // namespace

const char kCompletedHeader[] = "# cfmigrate completed v2\n";
const char kWrongMarker[] = "# wrong\t";

bool RecordCountsFor(const CompletedRecord& r, const std::string& bucket) {
  return !r.wrong && (r.bucket.empty() || r.bucket == bucket);
}

Fingerprint128 RecordId(std::string_view url, std::string_view key) {
  thread_local std::string id;  // reused: millions of calls at start-up
  id.assign(url).push_back('\t');
  id.append(key);
  return Fingerprint(id);
}

std::string FormatCompletedLine(const CompletedRecord& r) {
  std::string line;
  line.reserve(r.url.size() + r.key.size() + r.checksum.size() +
               r.bucket.size() + 32);
  if (r.wrong) line.append(kWrongMarker);
  line.append(r.url).push_back('\t');
  line.append(r.key).push_back('\t');
  line.append(std::to_string(r.bytes)).push_back('\t');
  line.append(r.checksum);
  if (!r.bucket.empty()) line.append("\t").append(r.bucket);
  line.push_back('\n');
  return line;
}

bool ParseCompletedLine(std::string_view line, CompletedRecord* r) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool wrong = line.substr(0, sizeof(kWrongMarker) - 1) == kWrongMarker;
  if (wrong) line.remove_prefix(sizeof(kWrongMarker) - 1);
  if (!line.empty() && line[0] == '#') return false;
  std::string_view url = NextField(&line);
  if (line.empty()) return false;
  std::string_view key = NextField(&line);
  if (line.empty()) return false;
  std::string_view bytes = NextField(&line);
  std::string_view checksum = NextField(&line);
  std::string_view bucket = NextField(&line);
  if (url.empty() || key.empty() || bytes.empty()) return false;
  uint64_t n = 0;
  auto [end, ec] =
      std::from_chars(bytes.data(), bytes.data() + bytes.size(), n);
  if (ec != std::errc() || end != bytes.data() + bytes.size()) return false;
  r->url.assign(url.data(), url.size());
  r->key.assign(key.data(), key.size());
  r->bytes = n;
  r->checksum.assign(checksum.data(), checksum.size());
  r->bucket.assign(bucket.data(), bucket.size());
  r->wrong = wrong;
  return true;
}

Status ScanCompleted(
    const std::string& path,
    const std::function<void(const CompletedRecord*, std::string_view)>& fn,
    size_t* skipped) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::OK();
    return ErrnoStatus(errno, "open", path);
  }
  std::vector<char> buf(kBlockSize);
  size_t have = 0;
  ScanState st{path, fn, skipped, {}, Status::OK()};
  while (st.status.ok()) {
    if (have == buf.size()) buf.resize(buf.size() * 2);  // a huge line
    ssize_t n = ::read(fd, buf.data() + have, buf.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st.status = ErrnoStatus(errno, "read", path);
      break;
    }
    if (n == 0) break;  // what is left in buf is a torn last line
    have += static_cast<size_t>(n);
    size_t used = ScanBlock(std::string_view(buf.data(), have), &st);
    std::memmove(buf.data(), buf.data() + used, have - used);
    have -= used;
  }
  ::close(fd);
  return st.status;
}

Status LoadCompleted(const std::string& path,
                     const std::function<void(const CompletedRecord&)>& fn,
                     size_t* skipped) {
  return ScanCompleted(
      path,
      [&fn](const CompletedRecord* r, std::string_view) {
        if (r != nullptr && !r->wrong) fn(*r);
      },
      skipped);
}

Result<std::unique_ptr<CompletedLog>> CompletedLog::Open(
    const std::string& path, const std::string& bucket) {
  // A torn last line (a crash mid-write) is cut off: completed, it could
  // read as a record with a cut byte count or bucket name.
  Result<std::unique_ptr<AppendOnlyFile>> file = AppendOnlyFile::Open(
      path, AppendOnlyFile::Start::kAfterLastLine, kSharedFileMode);
  if (!file.ok()) return file.status();
  bool empty = (*file)->size() == 0;
  return std::unique_ptr<CompletedLog>(
      new CompletedLog(std::move(*file), bucket, empty));
}

CompletedLog::~CompletedLog() = default;

Status CompletedLog::Append(const CompletedRecord& r) {
  CompletedRecord mine = r;
  mine.bucket = bucket_;
  mine.wrong = false;
  std::string line = FormatCompletedLine(mine);
  std::lock_guard<std::mutex> lock(mu_);
  // The header goes out with the first record, in the same write(2).
  if (needs_header_) line.insert(0, kCompletedHeader);
  if (Status s = file_->Append(line); !s.ok()) return s;
  needs_header_ = false;
  return Status::OK();
}

Status CompletedLog::Sync() { return file_->Sync(); }

}  // namespace cfm
