#include "url_list.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cfm {
namespace {

constexpr size_t kBlockSize = 1 << 20;

RemoteListOpener& Opener() {
  static RemoteListOpener opener;
  return opener;
}

class FileSource : public ListSource {
 public:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileSource() override { ::close(fd_); }
  Result<size_t> Read(char* buf, size_t n) override {
    ssize_t got;
    do {
      got = ::read(fd_, buf, n);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
      return Status::IOError(path_ + ": read: " + std::strerror(errno));
    return static_cast<size_t>(got);
  }

 private:
  int fd_;
  std::string path_;
};

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

void SetRemoteListOpener(RemoteListOpener opener) {
  Opener() = std::move(opener);
}

bool IsRemoteList(const std::string& path) {
  return path.rfind("s3://", 0) == 0;
}

Result<std::unique_ptr<UrlListReader>> UrlListReader::Open(
    const std::string& path) {
  if (IsRemoteList(path)) {
    if (!Opener())
      return Status::InvalidArgument(path +
                                     ": lists in S3 are read by "
                                     "migrate and validate only");
    Result<std::unique_ptr<ListSource>> source = Opener()(path);
    if (!source.ok()) return source.status();
    return std::unique_ptr<UrlListReader>(
        new UrlListReader(std::move(*source), path));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = path + ": " + std::strerror(err);
    if (err == ENOENT) return Status::NotFound(msg);
    return Status::IOError(msg);
  }
  return std::unique_ptr<UrlListReader>(
      new UrlListReader(std::make_unique<FileSource>(fd, path), path));
}

UrlListReader::UrlListReader(std::unique_ptr<ListSource> source,
                             std::string path)
    : source_(std::move(source)), path_(std::move(path)) {}

UrlListReader::~UrlListReader() = default;

bool UrlListReader::Fill() {
  if (eof_ || !status_.ok()) return false;
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  size_t old_size = buffer_.size();
  buffer_.resize(old_size + kBlockSize);
  Result<size_t> got = source_->Read(&buffer_[old_size], kBlockSize);
  size_t n = 0;
  if (got.ok()) {
    n = *got;
  } else {
    status_ = got.status();
  }
  buffer_.resize(old_size + n);
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
