// completed.txt: the append-only record of objects that are safely in S3.
// One line per object: "url\tkey\tbytes\tchecksum\n". A crash can leave a
// torn last line (no '\n'); readers skip it and the writer terminates it.
#ifndef CFMIGRATE_COMPLETED_LOG_H_
#define CFMIGRATE_COMPLETED_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "status.h"

namespace cfm {

struct CompletedRecord {
  std::string url;
  std::string key;
  uint64_t bytes = 0;
  std::string checksum;  // "md5:<hex>", "crc32c:<base64>" or ""
};

// "url\tkey\tbytes\tchecksum\n". Pure.
std::string FormatCompletedLine(const CompletedRecord& r);

// Parses one line (with or without its '\n'; a trailing '\r' is ignored).
// Returns false on a torn or garbled line: fewer than 3 fields, an empty URL
// or key, or bytes that are not a decimal number. The checksum field may be
// missing or empty. Pure.
bool ParseCompletedLine(std::string_view line, CompletedRecord* r);

// Reads `path` in large blocks and calls `fn` for each complete, well-formed
// line, in file order. A torn last line (no trailing '\n') and garbled lines
// are skipped; `skipped` (optional) counts them. A missing file is OK (zero
// records). Fails with kIOError naming the path.
Status LoadCompleted(const std::string& path,
                     const std::function<void(const CompletedRecord&)>& fn,
                     size_t* skipped = nullptr);

// Append-only writer. Each Append() is one write(2) of the whole line with
// no user-space buffer, so a kill -9 loses nothing already appended.
// Thread-safe: any thread may call Append() and Sync().
class CompletedLog {
 public:
  // Opens (creating) `path` for appending. If the file ends with a torn
  // line, first writes '\n' so the next record starts clean. Fails with
  // kIOError naming the path.
  static Result<std::unique_ptr<CompletedLog>> Open(const std::string& path);
  ~CompletedLog();
  CompletedLog(const CompletedLog&) = delete;
  CompletedLog& operator=(const CompletedLog&) = delete;

  // Writes FormatCompletedLine(r) with one write(2). kIOError on failure
  // (including a short write).
  Status Append(const CompletedRecord& r);

  // fdatasync()s the file. kIOError on failure.
  Status Sync();

 private:
  CompletedLog(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  std::mutex mu_;  // serialises writes so lines never interleave
};

}  // namespace cfm

#endif  // CFMIGRATE_COMPLETED_LOG_H_
