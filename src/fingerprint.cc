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

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

constexpr uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr uint64_t kC2 = 0x4cf5ad432745937fULL;

// MurmurHash3_x64_128 by Austin Appleby (public domain), seed 0.
Fingerprint128 Murmur3(const unsigned char* data, size_t len) {
  uint64_t h1 = 0, h2 = 0;
  size_t blocks = len / 16;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = Load64(reinterpret_cast<const char*>(data) + i * 16),
             k2 = Load64(reinterpret_cast<const char*>(data) + i * 16 + 8);
    k1 *= kC1, k1 = Rotl(k1, 31), k1 *= kC2, h1 ^= k1;
    h1 = Rotl(h1, 27), h1 += h2, h1 = h1 * 5 + 0x52dce729;
    k2 *= kC2, k2 = Rotl(k2, 33), k2 *= kC1, h2 ^= k2;
    h2 = Rotl(h2, 31), h2 += h1, h2 = h2 * 5 + 0x38495ab5;
  }
  const unsigned char* tail = data + blocks * 16;
  uint64_t k1 = 0, k2 = 0;
  size_t rest = len & 15;
  for (size_t i = rest; i > 8; --i)
    k2 ^= uint64_t{tail[i - 1]} << ((i - 9) * 8);
  if (rest > 8) k2 *= kC2, k2 = Rotl(k2, 33), k2 *= kC1, h2 ^= k2;
  for (size_t i = rest < 8 ? rest : 8; i > 0; --i)
    k1 ^= uint64_t{tail[i - 1]} << ((i - 1) * 8);
  if (rest > 0) k1 *= kC1, k1 = Rotl(k1, 31), k1 *= kC2, h1 ^= k1;
  h1 ^= len, h2 ^= len;
  h1 += h2, h2 += h1;
  h1 = Mix(h1), h2 = Mix(h2);
  h1 += h2, h2 += h1;
  return Fingerprint128{h2, h1};  // {hi, lo}
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
  Fingerprint128 fp =
      Murmur3(reinterpret_cast<const unsigned char*>(data.data()), data.size());
  if (fp.lo == 0 && fp.hi == 0) fp.lo = 1;  // {0,0} marks an empty slot
  return fp;
}

}  // namespace cfm
