// Durable state of `cfmigrate collect`: checkpoint.json (where to resume)
// and the buffered, fsynced writer of urls.txt. A checkpoint only ever
// counts bytes of urls.txt that were flushed and fsynced before it was
// written, so after a crash the file is truncated back to the checkpoint
// and the run resumes with identical output.
#ifndef CFMIGRATE_CHECKPOINT_H_
#define CFMIGRATE_CHECKPOINT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "file_util.h"
#include "pagination.h"
#include "status.h"

namespace cfm {

struct Checkpoint {
  static constexpr int kVersion = 1;
  // What the run was started with; a resume with other values is refused.
  std::string api_base_url;
  std::string pagination;
  std::string output_file;
  PageState state;           // the next page to fetch
  int64_t urls_written = 0;  // lines in the output file at `output_bytes`
  int64_t output_bytes = 0;  // flushed and fsynced length of the output file
  // Skipped values by reason, with the first of each (redacted, short).
  // Files written before these fields existed load with foreign = invalid.
  int64_t duplicates = 0;
  std::string duplicate_example;
  int64_t foreign = 0;  // URLs outside SOURCE_URL_PREFIX
  std::string foreign_example;
  int64_t malformed = 0;  // values that are not URLs
  std::string malformed_example;
  int64_t pages = 0;
  int64_t api_total = -1;  // -1: not known
};

std::string CheckpointToJson(const Checkpoint& checkpoint);
// Fails with kCorruption naming the problem (bad JSON, missing field, other
// version).
Result<Checkpoint> CheckpointFromJson(std::string_view text);

// Writes checkpoint.json atomically (file_util's WriteFileAtomically) with
// mode 0600: it may name the API. kIOError naming the failed step.
Status SaveCheckpoint(const std::string& path, const Checkpoint& checkpoint);
// kNotFound when there is no checkpoint; kCorruption when it is unreadable.
Result<Checkpoint> LoadCheckpoint(const std::string& path);

// An append-only file with a big user-space buffer. Not thread-safe.
class UrlFileWriter {
 public:
  UrlFileWriter() = default;
  ~UrlFileWriter();  // flushes (not fsyncs) and closes
  UrlFileWriter(const UrlFileWriter&) = delete;
  UrlFileWriter& operator=(const UrlFileWriter&) = delete;

  // Opens `path` for appending after cutting it to `length` bytes (creating
  // it when missing). Fails with kIOError, or kCorruption when the file is
  // shorter than `length`.
  Status Open(const std::string& path, int64_t length);

  // Buffers `line` and a newline; writes the buffer out when it is full.
  Status AppendLine(std::string_view line);

  // Writes the buffer out and fsyncs; afterwards durable_size() == size().
  Status Sync();

  int64_t size() const { return written_ + static_cast<int64_t>(buf_.size()); }
  int64_t durable_size() const { return durable_; }

 private:
  Status WriteBuffer();

  std::unique_ptr<AppendOnlyFile> file_;
  std::string buf_;
  int64_t written_ = 0;  // bytes handed to the kernel
  int64_t durable_ = 0;  // bytes fsynced
};

}  // namespace cfm

#endif  // CFMIGRATE_CHECKPOINT_H_
