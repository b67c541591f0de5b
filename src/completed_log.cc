#include "completed_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace cfm {
namespace {

constexpr size_t kBlockSize = 4 << 20;

Status ErrnoStatus(const std::string& path, const char* what, int err) {
  return Status::IOError(path + ": " + what + ": " + std::strerror(err));
}

// Splits off the field before the next TAB (or the rest).
std::string_view NextField(std::string_view* rest) {
  size_t tab = rest->find('\t');
  std::string_view field = rest->substr(0, tab);
  rest->remove_prefix(tab == std::string_view::npos ? rest->size() : tab + 1);
  return field;
}

// Calls `fn` for each complete line in `data`; returns the bytes consumed.
size_t ParseBlock(std::string_view data,
                  const std::function<void(const CompletedRecord&)>& fn,
                  CompletedRecord* scratch, size_t* skipped) {
  size_t pos = 0;
  while (true) {
    const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
    if (nl == nullptr) return pos;
    size_t end = static_cast<const char*>(nl) - data.data();
    if (ParseCompletedLine(data.substr(pos, end - pos), scratch)) {
      fn(*scratch);
    } else if (end > pos && skipped != nullptr) {
      ++*skipped;
    }
    pos = end + 1;
  }
}

}  // namespace

std::string FormatCompletedLine(const CompletedRecord& r) {
  std::string line;
  line.reserve(r.url.size() + r.key.size() + r.checksum.size() + 24);
  line.append(r.url).push_back('\t');
  line.append(r.key).push_back('\t');
  line.append(std::to_string(r.bytes)).push_back('\t');
  line.append(r.checksum).push_back('\n');
  return line;
}

bool ParseCompletedLine(std::string_view line, CompletedRecord* r) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view url = NextField(&line);
  if (line.empty()) return false;
  std::string_view key = NextField(&line);
  if (line.empty()) return false;
  std::string_view bytes = NextField(&line);
  std::string_view checksum = NextField(&line);
  if (url.empty() || key.empty() || bytes.empty()) return false;
  uint64_t n = 0;
  auto [end, ec] =
      std::from_chars(bytes.data(), bytes.data() + bytes.size(), n);
  if (ec != std::errc() || end != bytes.data() + bytes.size()) return false;
  r->url.assign(url.data(), url.size());
  r->key.assign(key.data(), key.size());
  r->bytes = n;
  r->checksum.assign(checksum.data(), checksum.size());
  return true;
}

Status LoadCompleted(const std::string& path,
                     const std::function<void(const CompletedRecord&)>& fn,
                     size_t* skipped) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::OK();
    return ErrnoStatus(path, "open", errno);
  }
  std::vector<char> buf(kBlockSize);
  size_t have = 0;
  CompletedRecord scratch;
  Status status;
  while (true) {
    if (have == buf.size()) buf.resize(buf.size() * 2);  // a huge line
    ssize_t n = ::read(fd, buf.data() + have, buf.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = ErrnoStatus(path, "read", errno);
      break;
    }
    if (n == 0) break;  // what is left in buf is a torn last line
    have += static_cast<size_t>(n);
    size_t used =
        ParseBlock(std::string_view(buf.data(), have), fn, &scratch, skipped);
    std::memmove(buf.data(), buf.data() + used, have - used);
    have -= used;
  }
  ::close(fd);
  return status;
}

Result<std::unique_ptr<CompletedLog>> CompletedLog::Open(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(path, "open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoStatus(path, "fstat", errno);
    ::close(fd);
    return s;
  }
  char last = '\n';
  if (st.st_size > 0 && ::pread(fd, &last, 1, st.st_size - 1) != 1) {
    Status s = ErrnoStatus(path, "read", errno);
    ::close(fd);
    return s;
  }
  if (last != '\n' && ::write(fd, "\n", 1) != 1) {
    Status s = ErrnoStatus(path, "write", errno);
    ::close(fd);
    return s;
  }
  return std::unique_ptr<CompletedLog>(new CompletedLog(fd, path));
}

CompletedLog::~CompletedLog() { ::close(fd_); }

Status CompletedLog::Append(const CompletedRecord& r) {
  std::string line = FormatCompletedLine(r);
  std::lock_guard<std::mutex> lock(mu_);
  ssize_t n;
  do {
    n = ::write(fd_, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoStatus(path_, "write", errno);
  if (static_cast<size_t>(n) != line.size()) {
    return Status::IOError(path_ + ": short write");
  }
  return Status::OK();
}

Status CompletedLog::Sync() {
  if (::fdatasync(fd_) != 0) return ErrnoStatus(path_, "fdatasync", errno);
  return Status::OK();
}

}  // namespace cfm
