// The comparison behind `cfmigrate validate`: what urls.txt says should be
// in the bucket (through MapUrlToKey, the same mapping migrate uses) against
// what the listing holds, with sizes from completed.txt. Pure apart from
// reading the input files and writing missing.txt / completed.txt; the
// network checks (--deep, --etag-check) live in validator_checks.h.
//
// Order of use: list into a ListingIndex and Finish() it; ApplyCompleted();
// CompareUrls(); (checks); CountExtras(); then the result is complete.
// Single-threaded: one caller at a time.
#ifndef CFMIGRATE_VALIDATOR_H_
#define CFMIGRATE_VALIDATOR_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "key_mapper.h"
#include "listing_index.h"
#include "status.h"

namespace cfm {

constexpr size_t kMaxExamples = 10;

struct SizeMismatch {
  std::string key;
  uint64_t recorded = 0;  // bytes in completed.txt
  uint64_t listed = 0;    // bytes S3 lists
};

struct ValidationCounts {
  size_t url_lines = 0;       // non-blank lines of urls.txt
  size_t expected = 0;        // distinct keys urls.txt maps to
  size_t duplicate_urls = 0;  // lines whose key was already expected
  size_t malformed = 0;       // lines MapUrlToKey rejects
  size_t listed = 0;          // objects under the prefix
  size_t present = 0;         // expected keys found in the listing
  size_t missing = 0;         // expected keys not in the listing
  size_t size_mismatches = 0;
  size_t extra = 0;  // listed objects no URL maps to
  size_t completed_records = 0;
  size_t completed_not_in_bucket = 0;  // records naming an absent key
};

struct ValidationResult {
  ValidationCounts counts;
  std::vector<std::string> missing_examples;    // source URLs
  std::vector<std::string> malformed_examples;  // "URL: reason"
  std::vector<SizeMismatch> size_mismatch_examples;
  std::vector<std::string> extra_examples;  // keys
};

// Pass 1: reads completed.txt and marks listed objects whose recorded size
// differs from the listed size (kSizeMismatch; the last record of a key
// wins) and those recorded at all (kRecorded). A missing file is fine.
Status ApplyCompleted(const std::string& completed_path, ListingIndex* index,
                      ValidationResult* result);

// Pass 2: streams urls.txt, maps each URL, and looks the key up. Each URL
// whose key is missing, or present with a size mismatch, is passed once to
// `retry` (the missing.txt writer). Each distinct present, intact-looking
// object is passed once to `present` (index, URL) for sampling and checks;
// `present` may be empty. Fails with the reader's kNotFound/kIOError.
Status CompareUrls(
    const std::string& urls_path, const KeyMappingOptions& mapping,
    ListingIndex* index, const std::function<void(const std::string&)>& retry,
    const std::function<void(size_t, const std::string&)>& present,
    ValidationResult* result);

// Pass 3: counts listed objects that no URL maps to.
void CountExtras(const ListingIndex& index, ValidationResult* result);

// Rewrites completed.txt without the records whose object is absent from
// the listing or flagged kSizeMismatch/kCorrupt, so that migrate retries
// them; records under other prefixes are kept. Writes a temp file, fsyncs
// it and renames it over the old one; does nothing when no record is
// dropped. `dropped` gets the count. Not safe while migrate is running.
Status PruneCompleted(const std::string& completed_path,
                      const ListingIndex& index, size_t* dropped);

// Writes a list file (one URL a line) through a temp file renamed into
// place by Commit(), so a crash never leaves half a missing.txt.
class ListFileWriter {
 public:
  static Result<std::unique_ptr<ListFileWriter>> Open(const std::string& path);
  ~ListFileWriter();
  void Add(const std::string& url);
  size_t lines() const { return lines_; }
  // Flushes, fsyncs and renames. kIOError naming the path on failure.
  Status Commit();

 private:
  ListFileWriter(std::FILE* f, std::string path);
  std::FILE* file_;
  std::string path_;
  size_t lines_ = 0;
  bool committed_ = false;
};

}  // namespace cfm

#endif  // CFMIGRATE_VALIDATOR_H_
