// Source URL -> S3 key mapping, shared by migrate and validate, and the
// pre-scan that finds URLs landing on the same key.
#ifndef CFMIGRATE_KEY_MAPPER_H_
#define CFMIGRATE_KEY_MAPPER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace cfm {

struct KeyMappingOptions {
  std::string url_prefix;          // SOURCE_URL_PREFIX; "" accepts any URL
  std::string destination_prefix;  // DESTINATION_PREFIX, used as given
  bool preserve_path = false;      // PRESERVE_PATH_STRUCTURE
};

// Longest key S3 accepts, in bytes.
constexpr size_t kMaxKeyBytes = 1024;

// Maps a source URL to its S3 key: destination_prefix + the file name
// (flattened) or + the whole URL path after the host (preserved; the leading
// '/' dropped), percent-decoded (%XX -> byte; '+' stays '+'), query and
// fragment dropped. Pure; safe from any thread.
// Fails with kInvalidArgument whose message starts "malformed url" when the
// URL is not http(s)://host/..., does not start with url_prefix, has no file
// name (path empty or ending in '/'), has an invalid %-escape, or the decoded
// key holds a control character, a '.' or '..' segment, invalid UTF-8, or is
// over 1024 bytes.
Result<std::string> MapUrlToKey(std::string_view url,
                                const KeyMappingOptions& options);

struct KeyCollision {
  std::string key;
  std::string first_url;
  std::string second_url;
};

struct CollisionReport {
  // Keys that two or more distinct URLs map to.
  size_t collisions = 0;
  // Distinct URLs that share their key with another distinct URL.
  size_t colliding_urls = 0;
  std::vector<KeyCollision> examples;  // at most 5, in file order
  size_t urls = 0;                     // non-blank lines
  size_t unique_urls = 0;              // distinct well-formed URLs
  size_t malformed = 0;                // lines whose URL MapUrlToKey rejects
  size_t shard_unique_urls = 0;        // of unique_urls, those in_shard owns
};

// Reads the list at `list_path` (leniently, as UrlListReader) and finds
// distinct URLs that map to the same key; the same URL twice is a duplicate,
// not a collision. Keeps 24 bytes per line (128-bit key and 64-bit URL
// fingerprints; false alarms need a 128-bit hash collision) and re-reads the
// file only when collisions exist, to recover up to 5 examples.
// Collisions are looked for over the whole list; `in_shard` (optional)
// says which keys this worker owns, for shard_unique_urls.
// Fails with the reader's kNotFound/kIOError.
Result<CollisionReport> ScanForCollisions(
    const std::string& list_path, const KeyMappingOptions& options,
    const std::function<bool(std::string_view key)>& in_shard = nullptr);

}  // namespace cfm

#endif  // CFMIGRATE_KEY_MAPPER_H_
