#include "listing_index.h"

#include <cstring>

#include "crypto.h"
#include "fingerprint.h"

namespace cfm {
namespace {

constexpr uint64_t kHashSeed = 0x6C697374;  // "list"

uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32) | 1; }

}  // namespace

bool ParsePlainMd5Etag(std::string_view etag, std::string* raw16) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  if (etag.size() != 32) return false;
  raw16->resize(16);
  for (size_t i = 0; i < 16; ++i) {
    int hi = HexDigitValue(etag[2 * i]), lo = HexDigitValue(etag[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*raw16)[i] = static_cast<char>(hi * 16 + lo);
  }
  return true;
}

uint64_t ListingIndex::Store(std::string_view name) {
  constexpr size_t kBlock = size_t{1} << kBlockBits;
  if (blocks_.empty() || block_used_ + name.size() > kBlock) {
    blocks_.emplace_back(new char[kBlock]);
    block_used_ = 0;
  }
  uint64_t offset = ((blocks_.size() - 1) << kBlockBits) + block_used_;
  std::memcpy(blocks_.back().get() + block_used_, name.data(), name.size());
  block_used_ += name.size();
  return (offset << 16) | name.size();
}

bool ListingIndex::Add(std::string_view key, uint64_t size,
                       std::string_view etag) {
  if (key.substr(0, prefix_.size()) != prefix_) return false;
  names_.push_back(Store(key.substr(prefix_.size())));
  sizes_.push_back(size);
  flags_.push_back(0);
  if (keep_md5_) {
    std::string md5;
    if (!ParsePlainMd5Etag(etag, &md5)) md5.assign(16, '\0');
    md5_.insert(md5_.end(), md5.begin(), md5.end());
  }
  return true;
}

std::string_view ListingIndex::Name(size_t i) const {
  uint64_t n = names_[i];
  uint64_t offset = n >> 16;
  const char* block = blocks_[offset >> kBlockBits].get();
  return std::string_view(block + (offset & ((1u << kBlockBits) - 1)),
                          n & 0xFFFF);
}

void ListingIndex::Finish() {
  size_t capacity = 16;
  while (capacity < names_.size() * 2) capacity *= 2;
  table_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (size_t i = 0; i < names_.size(); ++i) {
    std::string_view name = Name(i);
    uint64_t h = Hash64(name, kHashSeed);
    if (FindName(name, h) >= 0) {
      flags_[i] |= kDuplicate;
      continue;
    }
    size_t slot = h & mask_;
    while (table_[slot] != 0) slot = (slot + 1) & mask_;
    table_[slot] = (static_cast<uint64_t>(Tag(h)) << 32) | (i + 1);
  }
}

int64_t ListingIndex::FindName(std::string_view name, uint64_t hash) const {
  if (table_.empty()) return -1;
  uint32_t tag = Tag(hash);
  for (size_t slot = hash & mask_; table_[slot] != 0;
       slot = (slot + 1) & mask_) {
    uint64_t v = table_[slot];
    if ((v >> 32) != tag) continue;
    size_t i = (v & 0xFFFFFFFF) - 1;
    if (Name(i) == name) return static_cast<int64_t>(i);
  }
  return -1;
}

int64_t ListingIndex::Find(std::string_view key) const {
  if (key.substr(0, prefix_.size()) != prefix_) return -1;
  std::string_view name = key.substr(prefix_.size());
  return FindName(name, Hash64(name, kHashSeed));
}

std::string ListingIndex::Key(size_t i) const {
  return prefix_ + std::string(Name(i));
}

bool ListingIndex::PlainMd5(size_t i, std::string* raw16) const {
  if (!keep_md5_) return false;
  const char* p = reinterpret_cast<const char*>(md5_.data()) + 16 * i;
  static const char kZero[16] = {};
  if (std::memcmp(p, kZero, 16) == 0) return false;
  raw16->assign(p, 16);
  return true;
}

size_t ListingIndex::MemoryBytes() const {
  return (blocks_.size() << kBlockBits) + names_.capacity() * 8 +
         sizes_.capacity() * 8 + flags_.capacity() + md5_.capacity() +
         table_.capacity() * sizeof(uint64_t);
}

}  // namespace cfm
