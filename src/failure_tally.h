// Failures grouped by reason, read from failed_transfers.txt as the run
// writes it: for status.json while the run goes, and for the summary that
// says what went wrong and what a re-run can fix.
#ifndef CFMIGRATE_FAILURE_TALLY_H_
#define CFMIGRATE_FAILURE_TALLY_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "status_file.h"

namespace cfm {

// The class a failure reason belongs to: the reason without what varies
// from object to object ("timeout after 4 attempts" -> "timeout",
// "truncated body (got 10 of 20 bytes)" -> "truncated body").
std::string ReasonClass(std::string_view reason);

// What a re-run can do about a reason class.
enum class FailureKind {
  kGone,       // (source) http 404/410/403 (GoneStatus): retrying won't help
  kMalformed,  // the line is not a usable URL: fix the list
  kRetryable,  // anything else: a re-run may succeed
};
FailureKind KindOf(std::string_view reason_class);

// Counts failed-list lines ("URL<TAB>reason") by reason class, keeping the
// first URL of each class as its example.
class FailureTally {
 public:
  void Add(std::string_view url, std::string_view reason);
  // Feeds `text`, which may end in the middle of a line; the partial line
  // is kept for the next call.
  void Feed(std::string_view text);
  const std::map<std::string, ReasonCount>& by_reason() const { return by_; }
  uint64_t Count(FailureKind kind) const;

 private:
  std::map<std::string, ReasonCount> by_;
  std::string partial_;
};

// Reads what was appended to the file at `path` since the last call into a
// FailureTally. A missing or unreadable file is read as empty.
class FailedListTail {
 public:
  explicit FailedListTail(std::string path) : path_(std::move(path)) {}
  void Poll();
  const FailureTally& tally() const { return tally_; }

 private:
  std::string path_;
  uint64_t offset_ = 0;
  FailureTally tally_;
};

// Copies the URLs of `failed_path` whose reason is retryable to `out_path`
// (one a line, atomically: temp file, fsync, rename) and returns how many;
// with none, removes `out_path` instead (it would be an earlier run's).
// kIOError naming the file that could not be read or written.
Result<uint64_t> WriteRetryableList(const std::string& failed_path,
                                    const std::string& out_path);

// The closing lines about failures: groups "gone at the source", "not a
// usable URL" and "retryable", each reason with its count and an example.
// Empty when there were none.
std::vector<std::string> FormatFailureGroups(
    const std::map<std::string, ReasonCount>& by_reason);

// "1 URL", "2 URLs": `count` and the noun, plural when count != 1 (the
// plural is noun + "s" unless given).
std::string Plural(uint64_t count, const std::string& noun,
                   const std::string& plural = "");

}  // namespace cfm

#endif  // CFMIGRATE_FAILURE_TALLY_H_
