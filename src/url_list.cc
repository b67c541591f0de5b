#include "url_list.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cfm {
namespace {

constexpr size_t kBlockSize = 1 << 20;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view UrlFromListLine(std::string_view line, bool first_line) {
  if (first_line && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  line = Trim(line);
  // A comment, such as the header of completed.txt: never a URL.
  if (!line.empty() && line[0] == '#') return {};
  size_t tab = line.find('\t');
  if (tab != std::string_view::npos) line = Trim(line.substr(0, tab));
  return line;
}

Result<std::unique_ptr<UrlListReader>> UrlListReader::Open(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = path + ": " + std::strerror(err);
    if (err == ENOENT) return Status::NotFound(msg);
    return Status::IOError(msg);
  }
  return std::unique_ptr<UrlListReader>(new UrlListReader(fd, path));
}

UrlListReader::UrlListReader(int fd, std::string path)
    : fd_(fd), path_(std::move(path)) {}

UrlListReader::~UrlListReader() { ::close(fd_); }

bool UrlListReader::Fill() {
  if (eof_ || !status_.ok()) return false;
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  size_t old_size = buffer_.size();
  buffer_.resize(old_size + kBlockSize);
  ssize_t n;
  do {
    n = ::read(fd_, &buffer_[old_size], kBlockSize);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    status_ = Status::IOError(path_ + ": read: " + std::strerror(errno));
    n = 0;
  }
  buffer_.resize(old_size + static_cast<size_t>(n));
  if (n == 0) eof_ = true;
  return n > 0;
}

bool UrlListReader::NextRawLine(std::string_view* line) {
  size_t scan_from = pos_;
  while (true) {
    size_t nl = buffer_.find('\n', scan_from);
    if (nl != std::string::npos) {
      *line = std::string_view(buffer_).substr(pos_, nl - pos_);
      pos_ = nl + 1;
      return true;
    }
    size_t scanned = buffer_.size() - pos_;
    if (!Fill()) break;
    scan_from = scanned;  // Fill() moved the unread part to offset 0
  }
  if (!status_.ok() || pos_ >= buffer_.size()) return false;
  *line = std::string_view(buffer_).substr(pos_);  // last line without '\n'
  pos_ = buffer_.size();
  return true;
}

bool UrlListReader::Next(std::string* url, size_t* line_number) {
  std::string_view line;
  while (NextRawLine(&line)) {
    ++line_number_;
    std::string_view u = UrlFromListLine(line, line_number_ == 1);
    if (u.empty()) continue;
    url->assign(u.data(), u.size());
    if (line_number != nullptr) *line_number = line_number_;
    return true;
  }
  return false;
}

}  // namespace cfm
