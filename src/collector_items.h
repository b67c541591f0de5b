// Pure helpers of the collector for what one API item holds: which strings
// are image URLs to keep (after normalising), and a short, token-free
// description of an item for the messages that say a setting is wrong.
#ifndef CFMIGRATE_COLLECTOR_ITEMS_H_
#define CFMIGRATE_COLLECTOR_ITEMS_H_

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "redact.h"

namespace cfm {

// Why a string the URL field reached is or is not written.
enum class UrlVerdict {
  kKeep,     // under SOURCE_URL_PREFIX; *normalised is what to write
  kForeign,  // a URL, but under another prefix
  kNotUrl,   // no http(s)://host, nothing after the prefix, or a NUL byte
};

// Normalises `raw` with NormalizeUrl (raw spaces, UTF-8 and the like are
// percent-encoded, escapes kept) into *normalised, then checks it against
// `prefix`. Pure.
UrlVerdict ClassifyUrl(std::string_view raw, std::string_view prefix,
                       std::string* normalised);

// A count of skipped values and the first one seen, for the summary.
struct SkipTally {
  int64_t count = 0;
  std::string example;  // redacted and cut short; "" until the first skip
  void Add(std::string_view what, const Secret& secret);
};

// The keys of `item` with their values cut to a few characters and the
// token masked, e.g. `{"id": 0, "image": {"url": "https://d27…"}}`; for a
// value that is not an object, the value itself, cut short. Pure.
std::string DescribeItem(const nlohmann::json& item, const Secret& secret);

// The path (in API_URL_FIELD's language, e.g. "image.url" or
// "photos[].src") of the first string in `item` that starts with http:// or
// https://, or "" when there is none. Pure.
std::string FindUrlPath(const nlohmann::json& item);

// `text` cut to `max` bytes (at a UTF-8 boundary) with "…" when cut.
std::string CutShort(std::string_view text, size_t max);

}  // namespace cfm

#endif  // CFMIGRATE_COLLECTOR_ITEMS_H_
