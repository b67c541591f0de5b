// Local files, the one way: errno mapped to Status, a whole-file read, a
// file replaced atomically (temp file beside it, fsync, rename, fsync of the
// directory) and an append-only writer of whole lines. Every state file,
// report and list cfmigrate writes goes through here.
//
// Errors are kIOError (kNotFound only where a missing file is an answer,
// see ReadWholeFile) with the message "<step> <path>: <strerror>", e.g.
// "create /state/status.json.tmp: Permission denied".
#ifndef CFMIGRATE_FILE_UTIL_H_
#define CFMIGRATE_FILE_UTIL_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "status.h"

namespace cfm {

// Files that may name the API or the bucket (checkpoint.json) are private;
// lists and reports others may read are not.
constexpr mode_t kPrivateFileMode = 0600;
constexpr mode_t kSharedFileMode = 0644;

// kIOError "<what> <path>: <strerror(err)>". Pass errno right after the
// failing call (before anything else can change it).
Status ErrnoStatus(int err, std::string_view what, std::string_view path);

// The whole content of `path`. kNotFound when it does not exist (ENOENT or
// ENOTDIR), kIOError for any other failure and when the file holds more
// than `max_bytes`.
Result<std::string> ReadWholeFile(const std::string& path,
                                  size_t max_bytes = SIZE_MAX);

// Writes a new version of a file that readers only ever see whole: bytes go
// to "<path>.tmp" (created with `mode`, truncated), Commit() fsyncs it,
// renames it over `path` and fsyncs the directory. Destroying the writer
// before Commit() (or after a failed one) removes the temp file and leaves
// `path` untouched. Buffered; not thread-safe.
class AtomicFileWriter {
 public:
  // kIOError when the temp file cannot be created (e.g. the directory is
  // missing or not writable).
  static Result<std::unique_ptr<AtomicFileWriter>> Open(const std::string& path,
                                                        mode_t mode);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Buffers `data`; writes the buffer out when it is large. A failure is
  // kept and returned again by Commit().
  Status Append(std::string_view data);
  // Makes the new content durable under `path`. kIOError names the step
  // that failed (write, fsync, close, rename, fsync directory).
  Status Commit();

 private:
  AtomicFileWriter(int fd, std::string path);
  Status Flush();

  int fd_;
  std::string path_;
  std::string tmp_;
  std::string buf_;
  Status status_;
  bool committed_ = false;
};

// AtomicFileWriter in one call: `path` holds exactly `data` afterwards, or
// (on kIOError) still holds what it held before.
Status WriteFileAtomically(const std::string& path, std::string_view data,
                           mode_t mode);

// An append-only file (O_APPEND) of whole lines. Each Append() is one
// write(2) loop under a lock, so lines from several threads never
// interleave. Sync() makes what was appended durable.
class AppendOnlyFile {
 public:
  enum class Start {
    kKeep,           // keep the content (create when missing)
    kEmpty,          // truncate to empty
    kAfterLastLine,  // keep, but cut a torn last line (no final '\n')
  };
  // kIOError when the file cannot be opened, read or truncated.
  static Result<std::unique_ptr<AppendOnlyFile>> Open(const std::string& path,
                                                      Start start, mode_t mode);
  ~AppendOnlyFile();  // closes without syncing
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;

  // Appends `data` (callers pass whole lines, '\n' included). Thread-safe.
  // kIOError on a failed or short write.
  Status Append(std::string_view data);
  // fdatasync: the appended bytes survive a crash. May run while another
  // thread appends.
  Status Sync();
  // Cuts the file to `length` bytes. kCorruption when it is shorter than
  // that, kIOError when the truncate fails. Not for use while appending.
  Status CutTo(int64_t length);

  // Bytes in the file: its size at Open (after any cut) plus what was
  // appended through this object since.
  int64_t size() const;
  const std::string& path() const { return path_; }

 private:
  AppendOnlyFile(int fd, std::string path, int64_t size);

  const int fd_;
  const std::string path_;
  mutable std::mutex mu_;
  int64_t size_;  // guarded by mu_
};

}  // namespace cfm

#endif  // CFMIGRATE_FILE_UTIL_H_
