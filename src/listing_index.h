// ListingIndex: the destination listing held compactly for comparison with
// urls.txt. Keys are stored without the common prefix in one arena; each
// object costs about 40 bytes plus its key, and lookups go through an
// open-addressing table of 64-bit slots (32-bit hash tag + 32-bit index).
#ifndef CFMIGRATE_LISTING_INDEX_H_
#define CFMIGRATE_LISTING_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cfm {

// Per-object flags, set by the comparison passes.
enum ObjectFlag : uint8_t {
  kExpected = 1,      // some URL of urls.txt maps to this key
  kSizeMismatch = 2,  // its size differs from the recorded or source size
  kCorrupt = 4,       // its bytes differ from the source's (a check, or a
                      // validate "# wrong" marker in completed.txt)
  kRecorded = 8,      // completed.txt has a record for this key
  kReported = 16,     // validate has written its verdict (missing.txt...)
  kDuplicate = 32,    // listed twice (overlapping ranges); ignore
  kVerified = 64,     // size confirmed by a record or by the source
  kUnverified = 128,  // a check of it could not be done (source error)
};

class ListingIndex {
 public:
  // `prefix` is the listing prefix; every added key must start with it.
  // `keep_md5`: store plain-MD5 ETags (for --etag-check); else PlainMd5()
  // is always false and each object costs 16 bytes less.
  explicit ListingIndex(std::string prefix, bool keep_md5 = true)
      : prefix_(std::move(prefix)), keep_md5_(keep_md5) {}

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

  size_t size() const { return names_.size(); }
  // The full key of object `i` (prefix + stored name).
  std::string Key(size_t i) const;
  uint64_t Size(size_t i) const { return sizes_[i]; }
  // The ETag's MD5 when it is a plain 32-hex-digit MD5; else false.
  bool PlainMd5(size_t i, std::string* raw16) const;
  uint8_t flags(size_t i) const { return flags_[i]; }
  void SetFlag(size_t i, uint8_t f) { flags_[i] |= f; }
  void ClearFlag(size_t i, uint8_t f) { flags_[i] &= static_cast<uint8_t>(~f); }

  // Bytes held (arena, objects and table), for the benchmark.
  size_t MemoryBytes() const;

 private:
  static constexpr int kBlockBits = 24;  // 16 MB arena blocks
  std::string_view Name(size_t i) const;
  int64_t FindName(std::string_view name, uint64_t hash) const;
  // Copies `name` into the arena; returns its packed location.
  uint64_t Store(std::string_view name);

  std::string prefix_;
  bool keep_md5_;
  // Names live in fixed-size blocks (a name never spans two), so the arena
  // grows without the 2x copy of one big string.
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  // Per object, in parallel arrays (17 bytes, +16 for a plain MD5 ETag).
  std::vector<uint64_t> names_;  // arena offset << 16 | length
  std::vector<uint64_t> sizes_;
  std::vector<uint8_t> flags_;
  std::vector<uint8_t> md5_;     // 16 bytes per object; all zero: none
  std::vector<uint64_t> table_;  // 0 empty, else tag << 32 | (index + 1)
  uint64_t mask_ = 0;
};

// True when `etag` (quotes allowed) is a plain MD5: 32 hex digits, not weak
// (W/), no "-N" multipart suffix. Stores the 16 raw bytes in `raw16`.
bool ParsePlainMd5Etag(std::string_view etag, std::string* raw16);

}  // namespace cfm

#endif  // CFMIGRATE_LISTING_INDEX_H_
