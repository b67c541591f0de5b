// ListingIndex: the destination listing held compactly for comparison with
// urls.txt. Keys are stored without the common prefix in one arena; each
// object costs about 40 bytes plus its key, and lookups go through an
// open-addressing table of 64-bit slots (32-bit hash tag + 32-bit index), so
// 4,000,000 objects with 50-byte names take about 400 MB.
#ifndef CFMIGRATE_LISTING_INDEX_H_
#define CFMIGRATE_LISTING_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cfm {

// Per-object flags, set by the comparison passes.
enum ObjectFlag : uint8_t {
  kExpected = 1,      // some URL of urls.txt maps to this key
  kSizeMismatch = 2,  // completed.txt's byte count differs from the listing
  kCorrupt = 4,       // a deep or ETag check found different bytes
  kRecorded = 8,      // completed.txt has a record for this key
  kSampled = 16,      // chosen for a check (so a duplicate URL is not)
  kDuplicate = 32,    // listed twice (overlapping ranges); ignore
};

class ListingIndex {
 public:
  // `prefix` is the listing prefix; every added key must start with it.
  explicit ListingIndex(std::string prefix) : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }

  // Adds one listed object; `etag` as S3 lists it (quoted or not). Keys not
  // under prefix() are ignored (returns false). Not thread-safe; call
  // Finish() after the last Add().
  bool Add(std::string_view key, uint64_t size, std::string_view etag);

  // Builds the lookup table. Keys listed twice are kept once; the later
  // copies get kDuplicate and are skipped by Find().
  void Finish();

  // Index of `key` (the full key, with the prefix), or -1. Precondition:
  // Finish() was called. Thread-safe for concurrent readers.
  int64_t Find(std::string_view key) const;

  size_t size() const { return objects_.size(); }
  // The full key of object `i` (prefix + stored name).
  std::string Key(size_t i) const;
  uint64_t Size(size_t i) const { return objects_[i].size; }
  // The ETag's MD5 when it is a plain 32-hex-digit MD5; else false.
  bool PlainMd5(size_t i, std::string* raw16) const;
  uint8_t flags(size_t i) const { return objects_[i].flags; }
  void SetFlag(size_t i, uint8_t f) { objects_[i].flags |= f; }
  void ClearFlag(size_t i, uint8_t f) {
    objects_[i].flags &= static_cast<uint8_t>(~f);
  }

  // Bytes held (arena, objects and table), for the benchmark.
  size_t MemoryBytes() const;

 private:
  struct Object {
    uint64_t name;  // arena offset << 16 | length
    uint64_t size;
    uint8_t md5[16];
    uint8_t md5_valid;
    uint8_t flags;
  };
  std::string_view Name(size_t i) const;
  int64_t FindName(std::string_view name, uint64_t hash) const;

  std::string prefix_;
  std::string arena_;
  std::vector<Object> objects_;
  std::vector<uint64_t> table_;  // 0 empty, else tag << 32 | (index + 1)
  uint64_t mask_ = 0;
};

// True when `etag` (quotes allowed) is a plain MD5: 32 hex digits, not weak
// (W/), no "-N" multipart suffix. Stores the 16 raw bytes in `raw16`.
bool ParsePlainMd5Etag(std::string_view etag, std::string* raw16);

}  // namespace cfm

#endif  // CFMIGRATE_LISTING_INDEX_H_
