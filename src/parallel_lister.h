// Lists every key under a prefix with several ListObjectsV2 streams at once.
// The key space is cut into ranges (start-after exclusive, upper bound
// inclusive); a worker that runs out of work splits the busiest running
// range at a key-space midpoint, so a large listing spreads over all
// workers whatever the key names look like, and a small one costs one
// request. Every key is delivered exactly once.
#ifndef CFMIGRATE_PARALLEL_LISTER_H_
#define CFMIGRATE_PARALLEL_LISTER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace cfm {

struct ListedEntry {
  std::string key;
  uint64_t size = 0;
  std::string etag;
};

struct ListPage {
  std::vector<ListedEntry> objects;  // ascending key order, as S3 sends
  bool truncated = false;
  std::string next_token;
};

// Fetches one page of keys under the prefix: the first page of a range
// passes `start_after` ("" for none) and an empty token; later pages pass
// the previous page's next_token.
using PageFetcher = std::function<Result<ListPage>(
    const std::string& start_after, const std::string& token)>;

struct ParallelListOptions {
  std::string prefix;  // the listing prefix (for range arithmetic)
  int workers = 8;
  // Called once on each worker thread to make that thread's fetcher (S3
  // clients are one-thread objects).
  std::function<PageFetcher()> make_fetcher;
  // Receives each page's objects that belong to its range. Calls are
  // serialised (never two at once), on worker threads.
  std::function<void(const std::vector<ListedEntry>&)> sink;
};

// Runs the listing. Returns OK when every range finished; otherwise the
// first fetcher error (the other workers stop after their current page).
// Blocks the calling thread until all workers have ended.
Status ListInParallel(const ParallelListOptions& options);

// A key strictly between `lo` and `hi` (lo < hi), near the middle of the
// key space between them, spelled past their common prefix with at most 6
// URL-unreserved characters (A-Z a-z 0-9 - . _ ~). Returns false when no such
// key is found. Pure.
bool KeySpaceMidpoint(std::string_view lo, std::string_view hi,
                      std::string* mid);

}  // namespace cfm

#endif  // CFMIGRATE_PARALLEL_LISTER_H_
