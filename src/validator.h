// The comparison behind `cfmigrate validate`: what urls.txt says should be
// in the bucket (through MapUrlToKey, the same mapping migrate uses) against
// what the listing holds. Every present object must be verified against a
// size validate can trust: the size completed.txt recorded for that URL at
// that key in this bucket, else the source's size (a HEAD, run by the
// caller through CheckPool); otherwise it is unverified, which is not
// intact. Pure apart from reading the input files; the network checks live
// in validator_checks.h and completed.txt's records in validate_records.h.
//
// Order of use: list into a ListingIndex and Finish() it; ApplyCompleted();
// CompareUrls() (the caller runs the checks it asks for and applies their
// result flags); CountExtras(); ReportUrls() (writes missing.txt and
// gone.txt); PruneCompleted(). Single-threaded: one caller at a time.
#ifndef CFMIGRATE_VALIDATOR_H_
#define CFMIGRATE_VALIDATOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "file_util.h"
#include "key_mapper.h"
#include "listing_index.h"
#include "status.h"
#include "validate_gone.h"
#include "validate_records.h"

namespace cfm {

constexpr size_t kMaxExamples = 10;

struct SizeMismatch {
  std::string key;
  uint64_t recorded = 0;  // bytes in completed.txt
  uint64_t listed = 0;    // bytes S3 lists
};

// Per expected object exactly one of: verified, missing, size mismatch,
// corrupt, unverified, gone.
struct ValidationCounts {
  size_t url_lines = 0;           // non-blank lines of urls.txt
  size_t expected = 0;            // distinct keys urls.txt maps to
  size_t duplicate_urls = 0;      // lines whose key was already expected
  size_t malformed = 0;           // lines MapUrlToKey rejects
  size_t listed = 0;              // objects under the prefix
  size_t present = 0;             // expected keys found in the listing
  size_t verified = 0;            // present, size confirmed, no check failed
  size_t verified_by_record = 0;  // of the present: completed.txt's size
  size_t missing = 0;             // not in the listing (and not gone)
  size_t size_mismatches = 0;     // size differs from record or source
  size_t corrupt = 0;             // bytes differ (a check, or a marker)
  size_t unverified = 0;          // no trusted size, or a check failed
  size_t gone = 0;                // not intact, gone at the source
  size_t extra = 0;               // listed objects no URL maps to
  size_t completed_records = 0;   // records counting for this bucket
  size_t completed_not_in_bucket = 0;  // records naming an absent key
};

struct ValidationResult {
  ValidationCounts counts;
  std::vector<std::string> missing_examples;         // source URLs
  std::vector<std::string> malformed_examples;       // "URL: reason"
  std::vector<SizeMismatch> size_mismatch_examples;  // against records
  std::vector<std::string> unverified_examples;      // source URLs
  std::vector<std::string> extra_examples;           // keys
};

// Pass 1: reads completed.txt into `records` (RecordedObjects::Load) and
// counts the records; removes from `gone` every URL that a record (or a
// marker) of this bucket names (it was copied once; a re-run will show
// whether it is gone). Fails with LoadCompleted's errors.
Status ApplyCompleted(const std::string& completed_path,
                      const std::string& bucket, ListingIndex* index,
                      RecordedObjects* records, GoneUrls* gone,
                      ValidationResult* result);

// Pass 2: streams urls.txt, maps each URL, and looks the key up. Each
// distinct present object is judged by its record: the last record or
// marker of the key in this bucket, if it names this URL: a marker sets
// kCorrupt; a size equal to the listed one sets kVerified; another size
// sets kSizeMismatch. Every distinct present object not already known
// wrong is passed once to `present` (index, URL, whether it still needs a
// source size); the caller submits checks. Fails with the reader's
// kNotFound/kIOError.
Status CompareUrls(
    const std::string& urls_path, const KeyMappingOptions& mapping,
    ListingIndex* index, const RecordedObjects& records,
    const std::function<void(size_t, const std::string&, bool)>& present,
    ValidationResult* result);

// Pass 3: counts listed objects that no URL maps to.
void CountExtras(const ListingIndex& index, ValidationResult* result);

// Pass 4: streams urls.txt again and gives each distinct expected object
// its verdict: absent, or present and not verified (kSizeMismatch,
// kCorrupt, kUnverified, or never kVerified), goes to `gone_out` (URL,
// reason) when `gone` names the URL, else to `retry` (URL). Fills the
// verdict counts and examples. Fails with the reader's errors.
Status ReportUrls(
    const std::string& urls_path, const KeyMappingOptions& mapping,
    ListingIndex* index, const GoneUrls& gone,
    const std::function<void(const std::string&)>& retry,
    const std::function<void(const std::string&, const std::string&)>& gone_out,
    ValidationResult* result);

// Writes a list file (one line each) through AtomicFileWriter, so a crash
// never leaves half a missing.txt. Not thread-safe.
class ListFileWriter {
 public:
  // kIOError when the temp file cannot be created.
  static Result<std::unique_ptr<ListFileWriter>> Open(const std::string& path);
  // Adds `line` and a newline. A write error is reported by Commit().
  void Add(std::string_view line);
  size_t lines() const { return lines_; }
  // Makes the file durable under its name. kIOError naming the step on
  // failure; the old file is then untouched. Without Commit() the
  // destructor discards the new content.
  Status Commit();

 private:
  explicit ListFileWriter(std::unique_ptr<AtomicFileWriter> file);
  std::unique_ptr<AtomicFileWriter> file_;
  std::string line_;
  size_t lines_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_VALIDATOR_H_
