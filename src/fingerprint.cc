#include "fingerprint.h"

#include <cstring>

namespace cfm {
namespace {

constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ULL;
constexpr uint64_t kMul2 = 0xC2B2AE3D27D4EB4FULL;

// The 64-bit finaliser of MurmurHash3 (fmix64): full avalanche.
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

uint64_t Hash64(std::string_view data, uint64_t seed) {
  uint64_t h = Mix(seed ^ kMul1) ^ (data.size() * kMul2);
  const char* p = data.data();
  size_t n = data.size();
  while (n >= 8) {
    h = (h ^ Mix(Load64(p) * kMul1)) * kMul2;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ Mix((tail + n) * kMul1)) * kMul2;
  return Mix(h);
}

Fingerprint128 Fingerprint(std::string_view data) {
  return Fingerprint128{Hash64(data, 0x243F6A8885A308D3ULL),
                        Hash64(data, 0x13198A2E03707344ULL)};
}

bool FingerprintSet::Insert(const Fingerprint128& fp_in) {
  Fingerprint128 fp = fp_in;
  if (fp.hi == 0 && fp.lo == 0) fp.lo = 1;  // keep {0,0} for "empty"
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  size_t mask = slots_.size() - 1;
  for (size_t i = fp.lo & mask;; i = (i + 1) & mask) {
    if (slots_[i] == fp) return false;
    if (slots_[i].hi == 0 && slots_[i].lo == 0) {
      slots_[i] = fp;
      ++size_;
      return true;
    }
  }
}

void FingerprintSet::Grow() {
  std::vector<Fingerprint128> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Fingerprint128{});
  size_t mask = slots_.size() - 1;
  for (const Fingerprint128& fp : old) {
    if (fp.hi == 0 && fp.lo == 0) continue;
    size_t i = fp.lo & mask;
    while (!(slots_[i].hi == 0 && slots_[i].lo == 0)) i = (i + 1) & mask;
    slots_[i] = fp;
  }
}

}  // namespace cfm
