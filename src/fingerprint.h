// Fast non-cryptographic 64- and 128-bit fingerprints of byte strings, used
// to compare millions of keys and URLs without holding the strings. Pure;
// safe from any thread.
#ifndef CFMIGRATE_FINGERPRINT_H_
#define CFMIGRATE_FINGERPRINT_H_

#include <cstdint>
#include <string_view>

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

// MurmurHash3_x64_128 of `data` (seed 0), never all zero: {0,0} marks an
// empty slot in UrlSet. Two different strings share one with probability
// 2^-128.
Fingerprint128 Fingerprint(std::string_view data);

// One 64-bit hash of `data` with `seed`.
uint64_t Hash64(std::string_view data, uint64_t seed = 0);

}  // namespace cfm

#endif  // CFMIGRATE_FINGERPRINT_H_
