// What completed.txt says about the listed objects of one bucket, for
// `cfmigrate validate`, and the rewrite that keeps it honest (pruning).
#ifndef CFMIGRATE_VALIDATE_RECORDS_H_
#define CFMIGRATE_VALIDATE_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "completed_log.h"
#include "listing_index.h"
#include "status.h"

namespace cfm {

// Per listed object, the last record or "# wrong" marker of its key that
// counts for the bucket (RecordCountsFor, markers alike): the URL as a
// 64-bit hash and the recorded bytes. 16 bytes per listed object.
class RecordedObjects {
 public:
  static constexpr uint64_t kWrong = ~uint64_t{0};  // bytes of a marker

  // Sizes the table for `index` (after its Finish()).
  explicit RecordedObjects(const ListingIndex& index);

  // Notes `r` (a record or marker of this bucket) for listed object `i`;
  // a later call for the same object wins.
  void Note(size_t i, const CompletedRecord& r);

  // True when object `i` has a record or marker naming `url`; then
  // `*bytes` is its size, or kWrong for a marker.
  bool Lookup(size_t i, std::string_view url, uint64_t* bytes) const;

  static uint64_t UrlHash(std::string_view url);

 private:
  std::vector<uint64_t> url_hash_;  // 0: nothing recorded
  std::vector<uint64_t> bytes_;
};

// Rewrites completed.txt so that migrate redoes what validate found bad,
// and so that a later validate still knows: of the records and markers of
// `bucket` (or of no bucket) under the index's prefix, those of absent
// objects and records whose size differs from the listing are removed; a
// record of an object flagged kCorrupt is replaced by its "# wrong" marker
// (so the next validate reports it without a check until a new record
// follows). Every other line (the header, other buckets and prefixes) is
// kept byte for byte. Writes a temp file, fsyncs it and renames it over
// the old one; does nothing when nothing changes. `changed` gets the
// number of records removed or marked. Not safe while migrate is running.
Status PruneCompleted(const std::string& completed_path,
                      const std::string& bucket, const ListingIndex& index,
                      size_t* changed);

}  // namespace cfm

#endif  // CFMIGRATE_VALIDATE_RECORDS_H_
