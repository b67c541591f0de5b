// Streaming reader for input lists (urls.txt, failed_transfers.txt,
// missing.txt): one URL a line, read in large blocks so that a 4,000,000-line
// list never sits in memory at once.
#ifndef CFMIGRATE_URL_LIST_H_
#define CFMIGRATE_URL_LIST_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "status.h"

namespace cfm {

// Extracts the URL from one raw line (without its '\n'), leniently as
// docs/design.md says: a trailing '\r' and surrounding whitespace are ignored
// and the first TAB-separated field is the URL. Returns "" for a blank line and
// for a comment (a line starting with '#', such as completed.txt's header).
// `first_line` strips a UTF-8 byte order mark. Pure.
std::string_view UrlFromListLine(std::string_view line, bool first_line);

// Where a list's bytes come from: a local file, or an object in S3 (see
// s3_url_list.h). One source belongs to one reader.
class ListSource {
 public:
  virtual ~ListSource() = default;
  // Reads up to `n` bytes into `buf`; returns 0 at the end. On failure an
  // error Status naming the list (kIOError, or what the source met).
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// Opens the list at a "s3://" path.
using RemoteListOpener =
    std::function<Result<std::unique_ptr<ListSource>>(const std::string&)>;

// Makes UrlListReader::Open hand paths starting with "s3://" to `opener`
// (set once by a command before any list is read; nullptr removes it).
// Without an opener such a path fails with kInvalidArgument.
void SetRemoteListOpener(RemoteListOpener opener);

// True when `path` names an object in S3 ("s3://...").
bool IsRemoteList(const std::string& path);

// Reads an input list line by line. Lenient: UTF-8 BOM, CRLF, surrounding
// whitespace ignored; blank lines skipped; a line's first TAB-separated field
// is the URL; a last line without '\n' is read too. Not thread-safe: one
// reader belongs to one thread.
class UrlListReader {
 public:
  // Opens `path` (a file, or "s3://bucket/key" through the remote
  // opener). Fails with kNotFound (no such file) or kIOError, naming the
  // path, or with what the remote opener returns.
  static Result<std::unique_ptr<UrlListReader>> Open(const std::string& path);
  ~UrlListReader();
  UrlListReader(const UrlListReader&) = delete;
  UrlListReader& operator=(const UrlListReader&) = delete;

  // Stores the next URL and its 1-based physical line number. Returns false
  // at the end of the file or on a read error (see status()).
  bool Next(std::string* url, size_t* line_number);

  // The I/O error met while reading, else OK.
  const Status& status() const { return status_; }

 private:
  UrlListReader(std::unique_ptr<ListSource> source, std::string path);
  // Reads the next raw line (without '\n') into `line`; false at EOF/error.
  bool NextRawLine(std::string_view* line);
  // Appends more bytes to the buffer; false at EOF or error.
  bool Fill();

  std::unique_ptr<ListSource> source_;
  std::string path_;
  std::string buffer_;
  size_t pos_ = 0;  // start of the unread part of buffer_
  bool eof_ = false;
  size_t line_number_ = 0;
  Status status_;
};

}  // namespace cfm

#endif  // CFMIGRATE_URL_LIST_H_
