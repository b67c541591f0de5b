#include "checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace cfm {
namespace {

using nlohmann::json;

constexpr size_t kBufferBytes = 1 << 20;

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Errno("write", path);
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string CheckpointToJson(const Checkpoint& c) {
  json j = {{"version", Checkpoint::kVersion},
            {"api_base_url", c.api_base_url},
            {"pagination", c.pagination},
            {"output_file", c.output_file},
            {"page", c.state.page},
            {"offset", c.state.offset},
            {"cursor", c.state.cursor},
            {"next_url", c.state.next_url},
            {"items_seen", c.state.items_seen},
            {"done", c.state.done},
            {"urls_written", c.urls_written},
            {"output_bytes", c.output_bytes},
            {"duplicates", c.duplicates},
            {"duplicate_example", c.duplicate_example},
            {"invalid", c.foreign + c.malformed},
            {"foreign", c.foreign},
            {"foreign_example", c.foreign_example},
            {"malformed", c.malformed},
            {"malformed_example", c.malformed_example},
            {"pages", c.pages},
            {"api_total", c.api_total}};
  return j.dump(2) + "\n";
}

Result<Checkpoint> CheckpointFromJson(std::string_view text) {
  try {
    json j = json::parse(text);
    if (j.at("version").get<int>() != Checkpoint::kVersion)
      return Status::Corruption("checkpoint version " + j["version"].dump() +
                                " is not " +
                                std::to_string(Checkpoint::kVersion));
    Checkpoint c;
    j.at("api_base_url").get_to(c.api_base_url);
    j.at("pagination").get_to(c.pagination);
    j.at("output_file").get_to(c.output_file);
    j.at("page").get_to(c.state.page);
    j.at("offset").get_to(c.state.offset);
    j.at("cursor").get_to(c.state.cursor);
    j.at("next_url").get_to(c.state.next_url);
    j.at("items_seen").get_to(c.state.items_seen);
    j.at("done").get_to(c.state.done);
    j.at("urls_written").get_to(c.urls_written);
    j.at("output_bytes").get_to(c.output_bytes);
    j.at("duplicates").get_to(c.duplicates);
    c.foreign = j.value("foreign", j.at("invalid").get<int64_t>());
    c.malformed = j.value("malformed", int64_t{0});
    c.duplicate_example = j.value("duplicate_example", std::string());
    c.foreign_example = j.value("foreign_example", std::string());
    c.malformed_example = j.value("malformed_example", std::string());
    j.at("pages").get_to(c.pages);
    j.at("api_total").get_to(c.api_total);
    return c;
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("bad checkpoint: ") + e.what());
  }
}

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("create", tmp);
  // A temp file left by an older version may have a wider mode.
  if (::fchmod(fd, 0600) != 0) {
    Status s = Errno("chmod", tmp);
    ::close(fd);
    return s;
  }
  Status s = WriteAll(fd, data.data(), data.size(), tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("fsync", tmp);
  if (::close(fd) != 0 && s.ok()) s = Errno("close", tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    s = Errno("rename to", path);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  // The rename itself is durable only once the directory is synced.
  std::string dir = DirOf(path);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("open directory", dir);
  if (::fsync(dfd) != 0) s = Errno("fsync directory", dir);
  ::close(dfd);
  return s;
}

Status SaveCheckpoint(const std::string& path, const Checkpoint& c) {
  return WriteFileAtomically(path, CheckpointToJson(c));
}

Result<Checkpoint> LoadCheckpoint(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Errno("open", path);
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (n < 0) return Errno("read", path);
  Result<Checkpoint> c = CheckpointFromJson(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

UrlFileWriter::~UrlFileWriter() {
  if (fd_ < 0) return;
  (void)WriteBuffer();
  ::close(fd_);
}

Status UrlFileWriter::Open(const std::string& path, int64_t length) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("open", path);
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Errno("stat", path);
  if (st.st_size < length)
    return Status::Corruption(path + " has " + std::to_string(st.st_size) +
                              " bytes, the checkpoint expects at least " +
                              std::to_string(length));
  if (::ftruncate(fd_, length) != 0) return Errno("truncate", path);
  if (::lseek(fd_, length, SEEK_SET) < 0) return Errno("seek", path);
  written_ = durable_ = length;
  buf_.reserve(kBufferBytes + 4096);
  return Status::OK();
}

Status UrlFileWriter::AppendLine(std::string_view line) {
  buf_.append(line);
  buf_ += '\n';
  if (buf_.size() >= kBufferBytes) return WriteBuffer();
  return Status::OK();
}

Status UrlFileWriter::WriteBuffer() {
  Status s = WriteAll(fd_, buf_.data(), buf_.size(), path_);
  if (!s.ok()) return s;
  written_ += static_cast<int64_t>(buf_.size());
  buf_.clear();
  return Status::OK();
}

Status UrlFileWriter::Sync() {
  if (Status s = WriteBuffer(); !s.ok()) return s;
  if (::fsync(fd_) != 0) return Errno("fsync", path_);
  durable_ = written_;
  return Status::OK();
}

}  // namespace cfm
