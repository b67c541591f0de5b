#include "file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cfm {
namespace {

constexpr size_t kWriteBufferBytes = 256 << 10;

// Writes all of `data`, retrying on EINTR and short writes.
Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "write", path);
    if (n == 0) return Status::IOError("write " + path + ": short write");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status SyncDirectoryOf(const std::string& path) {
  std::string dir = DirOf(path);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open directory", dir);
  Status s;
  if (::fsync(fd) != 0) s = ErrnoStatus(errno, "fsync directory", dir);
  ::close(fd);
  return s;
}

// The length of `fd`'s data up to and including its last '\n' (0 when it
// has none), reading backwards from `size` in blocks.
Result<int64_t> EndOfLastLine(int fd, int64_t size, const std::string& path) {
  char buf[64 << 10];
  int64_t end = size;
  while (end > 0) {
    int64_t start = end > static_cast<int64_t>(sizeof(buf))
                        ? end - static_cast<int64_t>(sizeof(buf))
                        : 0;
    ssize_t n = ::pread(fd, buf, static_cast<size_t>(end - start), start);
    if (n < 0) return ErrnoStatus(errno, "read", path);
    if (n != end - start) return Status::IOError("read " + path + ": short");
    for (ssize_t i = n - 1; i >= 0; --i) {
      if (buf[i] == '\n') return start + i + 1;
    }
    end = start;
  }
  return int64_t{0};
}

}  // namespace

Status ErrnoStatus(int err, std::string_view what, std::string_view path) {
  std::string msg(what);
  msg += ' ';
  msg += path;
  msg += ": ";
  msg += std::strerror(err);
  return Status::IOError(std::move(msg));
}

Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    Status s = ErrnoStatus(err, "open", path);
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(s.message());
    return s;
  }
  std::string text;
  char buf[64 << 10];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || text.size() + static_cast<size_t>(n) > max_bytes) break;
    text.append(buf, static_cast<size_t>(n));
  }
  int err = errno;
  ::close(fd);
  if (n < 0) return ErrnoStatus(err, "read", path);
  if (n > 0) {
    return Status::IOError(path + " is larger than " +
                           std::to_string(max_bytes) + " bytes");
  }
  return text;
}

Result<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Open(
    const std::string& path, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus(errno, "create", tmp);
  // A temp file left by an older run may have another mode (and umask may
  // have narrowed this one): the result gets exactly `mode`.
  if (::fchmod(fd, mode) != 0) {
    Status s = ErrnoStatus(errno, "chmod", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(fd, path));
}

AtomicFileWriter::AtomicFileWriter(int fd, std::string path)
    : fd_(fd), path_(std::move(path)), tmp_(path_ + ".tmp") {}

AtomicFileWriter::~AtomicFileWriter() {
  if (committed_) return;
  if (fd_ >= 0) ::close(fd_);
  ::unlink(tmp_.c_str());
}

Status AtomicFileWriter::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  buf_.append(data);
  if (buf_.size() >= kWriteBufferBytes) return Flush();
  return Status::OK();
}

Status AtomicFileWriter::Flush() {
  if (status_.ok()) status_ = WriteAll(fd_, buf_, tmp_);
  buf_.clear();
  return status_;
}

Status AtomicFileWriter::Commit() {
  if (committed_) return Status::OK();
  Status s = Flush();
  if (s.ok() && ::fsync(fd_) != 0) s = ErrnoStatus(errno, "fsync", tmp_);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 && s.ok()) s = ErrnoStatus(errno, "close", tmp_);
  if (s.ok() && ::rename(tmp_.c_str(), path_.c_str()) != 0) {
    s = ErrnoStatus(errno, "rename to", path_);
  }
  if (!s.ok()) {
    status_ = s;
    return s;  // the destructor removes the temp file
  }
  committed_ = true;
  // The rename itself is durable only once the directory is synced.
  return SyncDirectoryOf(path_);
}

Status WriteFileAtomically(const std::string& path, std::string_view data,
                           mode_t mode) {
  Result<std::unique_ptr<AtomicFileWriter>> w =
      AtomicFileWriter::Open(path, mode);
  if (!w.ok()) return w.status();
  if (Status s = (*w)->Append(data); !s.ok()) return s;
  return (*w)->Commit();
}

Result<std::unique_ptr<AppendOnlyFile>> AppendOnlyFile::Open(
    const std::string& path, Start start, mode_t mode) {
  int flags = O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC;
  if (start == Start::kEmpty) flags |= O_TRUNC;
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoStatus(errno, "stat", path);
    ::close(fd);
    return s;
  }
  Result<int64_t> size = static_cast<int64_t>(st.st_size);
  // A torn last line (a crash mid-write) is cut off: kept, the next record
  // would be glued to it.
  if (start == Start::kAfterLastLine) size = EndOfLastLine(fd, *size, path);
  if (size.ok() && *size != st.st_size && ::ftruncate(fd, *size) != 0) {
    size = ErrnoStatus(errno, "truncate", path);
  }
  if (!size.ok()) {
    ::close(fd);
    return size.status();
  }
  return std::unique_ptr<AppendOnlyFile>(new AppendOnlyFile(fd, path, *size));
}

AppendOnlyFile::AppendOnlyFile(int fd, std::string path, int64_t size)
    : fd_(fd), path_(std::move(path)), size_(size) {}

AppendOnlyFile::~AppendOnlyFile() { ::close(fd_); }

Status AppendOnlyFile::Append(std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  Status s = WriteAll(fd_, data, path_);
  if (s.ok()) size_ += static_cast<int64_t>(data.size());
  return s;
}

Status AppendOnlyFile::Sync() {
  if (::fdatasync(fd_) != 0) return ErrnoStatus(errno, "fdatasync", path_);
  return Status::OK();
}

Status AppendOnlyFile::CutTo(int64_t length) {
  std::lock_guard<std::mutex> lock(mu_);
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, "stat", path_);
  if (st.st_size < length) {
    return Status::Corruption(path_ + " has " + std::to_string(st.st_size) +
                              " bytes, expected at least " +
                              std::to_string(length));
  }
  if (::ftruncate(fd_, length) != 0) {
    return ErrnoStatus(errno, "truncate", path_);
  }
  size_ = length;
  return Status::OK();
}

int64_t AppendOnlyFile::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

}  // namespace cfm
