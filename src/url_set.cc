#include "url_set.h"

#include <cstring>

namespace cfm {
namespace {

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

uint64_t Fmix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian hosts only (x86-64, arm64)
}

constexpr uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr uint64_t kC2 = 0x4cf5ad432745937fULL;

// MurmurHash3_x64_128 by Austin Appleby (public domain), seed 0.
UrlFingerprint Murmur3(const unsigned char* data, size_t len) {
  uint64_t h1 = 0, h2 = 0;
  size_t blocks = len / 16;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = Load64(data + i * 16), k2 = Load64(data + i * 16 + 8);
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
  h1 = Fmix(h1), h2 = Fmix(h2);
  h1 += h2, h2 += h1;
  return {h1, h2};
}

}  // namespace

UrlFingerprint FingerprintUrl(std::string_view url) {
  UrlFingerprint fp =
      Murmur3(reinterpret_cast<const unsigned char*>(url.data()), url.size());
  if (fp.lo == 0 && fp.hi == 0) fp.lo = 1;
  return fp;
}

size_t UrlSet::FindSlot(const UrlFingerprint& fp) const {
  size_t mask = slots_.size() - 1;
  // hi, not lo: lo of the slot index and the stored value stay independent.
  for (size_t i = fp.hi & mask;; i = (i + 1) & mask) {
    const UrlFingerprint& s = slots_[i];
    if ((s.lo == 0 && s.hi == 0) || s == fp) return i;
  }
}

bool UrlSet::Insert(std::string_view url) {
  return Insert(FingerprintUrl(url));
}

bool UrlSet::Insert(const UrlFingerprint& fp) {
  if (slots_.empty() || TooFull(size_ + 1, slots_.size()))
    Rehash(slots_.empty() ? 1024 : slots_.size() * 2);
  size_t i = FindSlot(fp);
  if (slots_[i] == fp) return false;
  slots_[i] = fp;
  ++size_;
  return true;
}

bool UrlSet::Contains(std::string_view url) const {
  if (slots_.empty()) return false;
  UrlFingerprint fp = FingerprintUrl(url);
  return slots_[FindSlot(fp)] == fp;
}

void UrlSet::Reserve(size_t n) {
  size_t capacity = slots_.empty() ? 1024 : slots_.size();
  while (TooFull(n, capacity)) capacity *= 2;
  if (capacity > slots_.size()) Rehash(capacity);
}

void UrlSet::Clear() {
  std::vector<UrlFingerprint>().swap(slots_);
  size_ = 0;
}

void UrlSet::Rehash(size_t new_capacity) {
  std::vector<UrlFingerprint> old;
  old.swap(slots_);
  slots_.assign(new_capacity, UrlFingerprint{});
  for (const UrlFingerprint& fp : old) {
    if (fp.lo == 0 && fp.hi == 0) continue;
    slots_[FindSlot(fp)] = fp;
  }
}

}  // namespace cfm
