// Fast non-cryptographic 64- and 128-bit fingerprints of byte strings, used
// to compare millions of keys and URLs without holding the strings. Pure;
// safe from any thread.
#ifndef CFMIGRATE_FINGERPRINT_H_
#define CFMIGRATE_FINGERPRINT_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace cfm {

struct Fingerprint128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const Fingerprint128& o) const {
    return hi == o.hi && lo == o.lo;
  }
  bool operator!=(const Fingerprint128& o) const { return !(*this == o); }
  bool operator<(const Fingerprint128& o) const {
    return hi != o.hi ? hi < o.hi : lo < o.lo;
  }
};

// Two independent 64-bit hashes of `data` (different seeds).
Fingerprint128 Fingerprint(std::string_view data);

// One 64-bit hash of `data` with `seed`.
uint64_t Hash64(std::string_view data, uint64_t seed = 0);

// A set of 128-bit fingerprints (open addressing, linear probing, 16 bytes
// a slot, at most half full). Not thread-safe.
class FingerprintSet {
 public:
  // Adds `fp`; true when it was not in the set yet.
  bool Insert(const Fingerprint128& fp);
  size_t size() const { return size_; }

 private:
  void Grow();
  std::vector<Fingerprint128> slots_;  // {0,0} marks an empty slot
  size_t size_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_FINGERPRINT_H_
