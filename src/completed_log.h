// completed.txt: the append-only record of objects that are safely in S3.
//
// Format v2 (in the manner of .ninja_log): a file this version creates
// starts with the header line "# cfmigrate completed v2"; then one record a
// line, "url\tkey\tbytes\tchecksum\tbucket\n". Each record names its own
// destination bucket (the key is in the record, so prefix and layout are
// too), so runs to different buckets can share one file: appending never
// rewrites or loses another destination's records. A file without a header
// (v1, before this version) holds "url\tkey\tbytes\tchecksum" records with
// no bucket; those count for any bucket, matched by URL and key. Lines
// starting with '#' are headers or markers, never records: "# wrong\t"
// followed by a record is written by validate in place of a record whose
// object it found different from the source. A header naming a version
// newer than this one makes readers refuse the file. A crash can leave a
// torn last line (no '\n'); readers skip it and the writer cuts it off.
#ifndef CFMIGRATE_COMPLETED_LOG_H_
#define CFMIGRATE_COMPLETED_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "file_util.h"
#include "fingerprint.h"
#include "status.h"

namespace cfm {

constexpr int kCompletedVersion = 2;
// The first line of a v2 file (with '\n').
extern const char kCompletedHeader[];
// What validate writes in front of a record it found wrong.
extern const char kWrongMarker[];

struct CompletedRecord {
  std::string url;
  std::string key;
  uint64_t bytes = 0;
  std::string checksum;  // "md5:<hex>", "crc32c:<base64>" or ""
  std::string bucket{};  // "" in a v1 record: no bucket named
  bool wrong = false;    // a "# wrong" marker, not a record of success
};

// True when `r` is a record of success that counts for `bucket`: it names
// that bucket, or it is a v1 record (no bucket). Pure.
bool RecordCountsFor(const CompletedRecord& r, const std::string& bucket);

// The identity migrate matches records by: URL and key together (the
// bucket is checked separately). Pure.
Fingerprint128 RecordId(std::string_view url, std::string_view key);

// "url\tkey\tbytes\tchecksum\tbucket\n", or without "\tbucket" when the
// bucket is empty; with kWrongMarker in front when r.wrong. Pure.
std::string FormatCompletedLine(const CompletedRecord& r);

// Parses one record or marker line (with or without its '\n'; a trailing
// '\r' is ignored). Returns false on a header, a torn or garbled line:
// fewer than 3 fields, an empty URL or key, or bytes that are not a
// decimal number. The checksum and bucket fields may be missing. Pure.
bool ParseCompletedLine(std::string_view line, CompletedRecord* r);

// Reads `path` in large blocks and calls `fn` for each complete line, in
// file order, with the raw line (no '\n') and the record or marker it
// holds, or nullptr for a header or a garbled line. A torn last line (no
// trailing '\n') is skipped. `skipped` (optional) counts garbled lines. A
// missing file is OK (zero lines). Fails with kIOError naming the path, or
// kInvalidArgument when a header names a newer format version.
Status ScanCompleted(
    const std::string& path,
    const std::function<void(const CompletedRecord*, std::string_view)>& fn,
    size_t* skipped = nullptr);

// ScanCompleted, calling `fn` only for records of success (not markers).
Status LoadCompleted(const std::string& path,
                     const std::function<void(const CompletedRecord&)>& fn,
                     size_t* skipped = nullptr);

// Append-only writer. Each Append() is one write(2) of the whole line with
// no user-space buffer, so a kill -9 loses nothing already appended.
// Thread-safe: any thread may call Append() and Sync().
class CompletedLog {
 public:
  // Opens (creating) `path` for appending records for `bucket` (empty:
  // records without a bucket field, for tests of other parts). If the file
  // ends with a torn line (no '\n'), cuts it off, so the next record
  // starts clean and a torn one never completes into a record. An empty file
  // gets kCompletedHeader with its first record (not before: a run that
  // completes nothing leaves it empty). Fails with kIOError naming the path.
  static Result<std::unique_ptr<CompletedLog>> Open(
      const std::string& path, const std::string& bucket = "");
  ~CompletedLog();
  CompletedLog(const CompletedLog&) = delete;
  CompletedLog& operator=(const CompletedLog&) = delete;

  // Writes FormatCompletedLine(r) with r.bucket set to the log's bucket,
  // in one AppendOnlyFile::Append. kIOError on failure (including a short
  // write).
  Status Append(const CompletedRecord& r);

  // fdatasync()s the file. kIOError on failure.
  Status Sync();

 private:
  CompletedLog(std::unique_ptr<AppendOnlyFile> file, std::string bucket,
               bool header)
      : file_(std::move(file)),
        bucket_(std::move(bucket)),
        needs_header_(header) {}
  std::unique_ptr<AppendOnlyFile> file_;
  std::string bucket_;
  std::mutex mu_;      // serialises writes so lines never interleave
  bool needs_header_;  // guarded by mu_
};

}  // namespace cfm

#endif  // CFMIGRATE_COMPLETED_LOG_H_
