// UrlSet: a memory-efficient set of URLs (or any strings: validate keeps
// object keys in one) for deduplication. Stores only a
// 128-bit fingerprint (MurmurHash3 x64-128) of each URL in an open-addressing
// table with linear probing, so 4,000,000 URLs take 128 MB (8M slots of 16
// bytes) and never more than 1.5x that while growing. Two different URLs
// collide with probability ~n^2 / 2^129 (about 2e-26 for 4M URLs): treated
// as impossible. Not thread-safe: one thread at a time, or guard it.
#ifndef CFMIGRATE_URL_SET_H_
#define CFMIGRATE_URL_SET_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fingerprint.h"

namespace cfm {

class UrlSet {
 public:
  UrlSet() = default;

  // Adds `url`. Returns true when it was not in the set yet, false for a
  // duplicate. May grow the table (allocation failure throws bad_alloc).
  bool Insert(std::string_view url);
  bool Insert(const Fingerprint128& fp);

  bool Contains(std::string_view url) const;

  // Number of distinct URLs inserted.
  size_t size() const { return size_; }

  // Sizes the table so `n` URLs fit without growing.
  void Reserve(size_t n);

  // Bytes held by the table.
  size_t MemoryBytes() const { return slots_.size() * sizeof(Fingerprint128); }

  void Clear();

 private:
  // Highest fill before growing: 7/10.
  static bool TooFull(size_t count, size_t capacity) {
    return count * 10 > capacity * 7;
  }
  size_t FindSlot(const Fingerprint128& fp) const;
  void Rehash(size_t new_capacity);

  std::vector<Fingerprint128> slots_;  // capacity is a power of two or 0
  size_t size_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_URL_SET_H_
