#include "url_set.h"

namespace cfm {

size_t UrlSet::FindSlot(const Fingerprint128& fp) const {
  size_t mask = slots_.size() - 1;
  // hi, not lo: lo of the slot index and the stored value stay independent.
  for (size_t i = fp.hi & mask;; i = (i + 1) & mask) {
    const Fingerprint128& s = slots_[i];
    if ((s.lo == 0 && s.hi == 0) || s == fp) return i;
  }
}

bool UrlSet::Insert(std::string_view url) { return Insert(Fingerprint(url)); }

bool UrlSet::Insert(const Fingerprint128& fp) {
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
  Fingerprint128 fp = Fingerprint(url);
  return slots_[FindSlot(fp)] == fp;
}

void UrlSet::Reserve(size_t n) {
  size_t capacity = slots_.empty() ? 1024 : slots_.size();
  while (TooFull(n, capacity)) capacity *= 2;
  if (capacity > slots_.size()) Rehash(capacity);
}

void UrlSet::Clear() {
  std::vector<Fingerprint128>().swap(slots_);
  size_ = 0;
}

void UrlSet::Rehash(size_t new_capacity) {
  std::vector<Fingerprint128> old;
  old.swap(slots_);
  slots_.assign(new_capacity, Fingerprint128{});
  for (const Fingerprint128& fp : old) {
    if (fp.lo == 0 && fp.hi == 0) continue;
    slots_[FindSlot(fp)] = fp;
  }
}

}  // namespace cfm
