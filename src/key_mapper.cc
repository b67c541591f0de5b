#include "key_mapper.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "crypto.h"
#include "fingerprint.h"
#include "url_list.h"

namespace cfm {
namespace {

Status Malformed(std::string_view why) {
  return Status::InvalidArgument("malformed url: " + std::string(why));
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// Position of the first '?' or '#' (or '/' too when `slash`) at or after
// `from`, or npos. A plain loop: find_first_of calls memchr per character.
size_t FindAny(std::string_view s, size_t from, bool slash) {
  for (size_t i = from; i < s.size(); ++i) {
    char c = s[i];
    if (c == '?' || c == '#' || (slash && c == '/')) return i;
  }
  return std::string_view::npos;
}

// Appends the decoded `in` to `out`.
bool PercentDecode(std::string_view in, std::string* out) {
  if (in.find('%') == std::string_view::npos) {
    out->append(in);
    return true;
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    int hi = i + 1 < in.size() ? HexDigitValue(in[i + 1]) : -1;
    int lo = i + 2 < in.size() ? HexDigitValue(in[i + 2]) : -1;
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80         ? 1
                 : (c >> 5) == 6  ? 2
                 : (c >> 4) == 14 ? 3
                 : (c >> 3) == 30 ? 4
                                  : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

// Checks the decoded part of the key after destination_prefix.
Status CheckDecoded(std::string_view rel) {
  if (rel.empty() || rel.back() == '/') return Malformed("no file name");
  for (char c : rel) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return Malformed("control character in path");
  }
  size_t start = 0;  // of the current segment
  for (size_t i = 0; i <= rel.size(); ++i) {
    if (i < rel.size() && rel[i] != '/') continue;
    size_t len = i - start;
    if ((len == 1 || len == 2) && rel[start] == '.' &&
        rel[start + len - 1] == '.') {
      return Malformed("'.' or '..' in path");
    }
    start = i + 1;
  }
  if (!IsValidUtf8(rel)) return Malformed("path is not valid UTF-8");
  return Status::OK();
}

}  // namespace

Result<std::string> MapUrlToKey(std::string_view url,
                                const KeyMappingOptions& options) {
  size_t scheme_len = StartsWithNoCase(url, "https://")  ? 8
                      : StartsWithNoCase(url, "http://") ? 7
                                                         : 0;
  if (scheme_len == 0) return Malformed("not an http(s) URL");
  if (url.substr(0, options.url_prefix.size()) != options.url_prefix) {
    return Malformed("outside SOURCE_URL_PREFIX " + options.url_prefix);
  }
  size_t path_start = FindAny(url, scheme_len, true);
  if (path_start == scheme_len) return Malformed("no host");
  if (path_start == std::string_view::npos || url[path_start] != '/') {
    return Malformed("no file name");
  }
  size_t path_end = FindAny(url, path_start, false);
  if (path_end == std::string_view::npos) path_end = url.size();
  std::string_view path = url.substr(path_start, path_end - path_start);
  std::string_view raw =
      options.preserve_path ? path.substr(1) : path.substr(path.rfind('/') + 1);
  std::string key;
  key.reserve(options.destination_prefix.size() + raw.size());
  key.append(options.destination_prefix);
  if (!PercentDecode(raw, &key)) return Malformed("invalid %-escape");
  std::string_view decoded =
      std::string_view(key).substr(options.destination_prefix.size());
  Status s = CheckDecoded(decoded);
  if (!s.ok()) return s;
  if (key.size() > kMaxKeyBytes) return Malformed("key longer than 1024 bytes");
  return key;
}

namespace {

// 24 bytes: the shard flag rides in the low bit of the URL hash (the same
// for every URL of one key, so duplicates still compare equal).
struct ScanEntry {
  Fingerprint128 key;
  uint64_t url;  // 63-bit URL hash << 1 | 1 when this worker owns the key
  bool in_shard() const { return (url & 1) != 0; }
  bool operator<(const ScanEntry& o) const {
    return key != o.key ? key < o.key : url < o.url;
  }
};
static_assert(sizeof(ScanEntry) == 24, "the scan keeps 24 bytes per line");

// Sorts `entries` and counts distinct URLs and shared keys; fills
// `colliding_keys` (sorted) with the keys of two or more distinct URLs.
void CountCollisions(std::vector<ScanEntry>* entries, CollisionReport* report,
                     std::vector<Fingerprint128>* colliding_keys) {
  std::sort(entries->begin(), entries->end());
  size_t i = 0;
  while (i < entries->size()) {
    size_t j = i;
    size_t distinct = 0;
    while (j < entries->size() && (*entries)[j].key == (*entries)[i].key) {
      if (j == i || (*entries)[j].url != (*entries)[j - 1].url) ++distinct;
      ++j;
    }
    report->unique_urls += distinct;
    if ((*entries)[i].in_shard()) report->shard_unique_urls += distinct;
    if (distinct > 1) {
      ++report->collisions;
      report->colliding_urls += distinct;
      colliding_keys->push_back((*entries)[i].key);
    }
    i = j;
  }
}

// Re-reads the list to find up to 5 example collisions, in file order.
Status FindExamples(const std::string& list_path,
                    const KeyMappingOptions& options,
                    const std::vector<Fingerprint128>& colliding_keys,
                    std::vector<KeyCollision>* examples) {
  auto reader = UrlListReader::Open(list_path);
  if (!reader.ok()) return reader.status();
  std::unordered_map<uint64_t, size_t> open;  // key.hi -> index in examples
  size_t complete = 0;
  std::string url;
  while (complete < 5 && (*reader)->Next(&url, nullptr)) {
    auto key = MapUrlToKey(url, options);
    if (!key.ok()) continue;
    Fingerprint128 fp = Fingerprint(*key);
    if (!std::binary_search(colliding_keys.begin(), colliding_keys.end(), fp))
      continue;
    auto it = open.find(fp.hi);
    if (it == open.end()) {
      if (open.size() < 5) {
        open.emplace(fp.hi, examples->size());
        examples->push_back(KeyCollision{*key, url, ""});
      }
    } else if ((*examples)[it->second].second_url.empty() &&
               (*examples)[it->second].first_url != url) {
      (*examples)[it->second].second_url = url;
      ++complete;
    }
  }
  examples->erase(std::remove_if(examples->begin(), examples->end(),
                                 [](const KeyCollision& c) {
                                   return c.second_url.empty();
                                 }),
                  examples->end());
  return (*reader)->status();
}

}  // namespace

Result<CollisionReport> ScanForCollisions(
    const std::string& list_path, const KeyMappingOptions& options,
    const std::function<bool(std::string_view key)>& in_shard) {
  auto reader = UrlListReader::Open(list_path);
  if (!reader.ok()) return reader.status();
  CollisionReport report;
  std::vector<ScanEntry> entries;
  std::string url;
  while ((*reader)->Next(&url, nullptr)) {
    ++report.urls;
    auto key = MapUrlToKey(url, options);
    if (!key.ok()) {
      ++report.malformed;
      continue;
    }
    uint64_t owned = !in_shard || in_shard(*key) ? 1 : 0;
    entries.push_back(
        ScanEntry{Fingerprint(*key), (Hash64(url, 0x5EED) << 1) | owned});
  }
  if (!(*reader)->status().ok()) return (*reader)->status();
  reader->reset();
  std::vector<Fingerprint128> colliding_keys;
  CountCollisions(&entries, &report, &colliding_keys);
  std::vector<ScanEntry>().swap(entries);
  if (report.collisions > 0) {
    Status s =
        FindExamples(list_path, options, colliding_keys, &report.examples);
    if (!s.ok()) return s;
  }
  return report;
}

}  // namespace cfm
