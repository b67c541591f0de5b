// The network checks of `cfmigrate validate`, run on a pool of threads,
// each with its own ObjectFetcher: the source size (HEAD the source and
// compare its Content-Length with the listed size, for objects no record
// vouches for), --etag-check (HEAD the source and compare its plain-MD5
// ETag with the listed S3 ETag) and --deep (fetch the source and the
// destination and compare their bytes' digests).
#ifndef CFMIGRATE_VALIDATOR_CHECKS_H_
#define CFMIGRATE_VALIDATOR_CHECKS_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "listing_index.h"
#include "status.h"

namespace cfm {

struct ObjectDigest {
  uint64_t bytes = 0;
  std::string md5;  // raw 16 bytes of MD5(body)
};

// What a HEAD of the source says.
struct SourceHead {
  std::string etag;     // as sent ("" when none)
  int64_t length = -1;  // Content-Length; -1 when absent
};

// Network access for the checks. One instance per thread.
class ObjectFetcher {
 public:
  virtual ~ObjectFetcher() = default;
  // HEAD `url` (identity encoding). An answer other than 200 is an error.
  virtual Result<SourceHead> Head(const std::string& url) = 0;
  // GET `url` (identity encoding) and digest the body.
  virtual Result<ObjectDigest> Source(const std::string& url) = 0;
  // GetObject `key` from the destination bucket and digest the body.
  virtual Result<ObjectDigest> Destination(const std::string& key) = 0;
};

// Chooses the --deep sample while urls.txt streams past: exactly
// min(count, offered) objects uniformly at random (reservoir sampling) when
// `count` > 0, else each object with probability `fraction`. Deterministic
// for a given seed and input order. Not thread-safe.
class DeepSampler {
 public:
  DeepSampler(uint64_t count, double fraction, uint64_t seed);
  bool enabled() const { return count_ > 0 || fraction_ > 0; }
  void Offer(size_t index, const std::string& url);
  struct Sample {
    size_t index;
    std::string url;
  };
  // The chosen objects, in input order. Call once, after the last Offer().
  std::vector<Sample> Take();

 private:
  uint64_t count_;
  double fraction_;
  std::mt19937_64 rng_;
  uint64_t seen_ = 0;
  std::vector<std::pair<uint64_t, Sample>> chosen_;  // (order seen, sample)
};

struct CheckCounts {
  size_t checked = 0;     // compared successfully
  size_t mismatched = 0;  // different bytes (or size): the object is wrong
  size_t skipped = 0;     // ETag check: a side's ETag is not a plain MD5
  size_t errors = 0;      // could not fetch a side (or no Content-Length)
  size_t denied = 0;      // of the errors: access denied (kAuth)
};

struct CheckFinding {
  std::string url;
  std::string key;
  std::string detail;
};

// Runs checks on `threads` threads. Submit() blocks while the queue is full
// (bounded memory whatever the number of objects). Thread-safe: Submit from
// one producer thread; results are read after Finish(). The pool never
// writes the index: what it found about each object is in result_flags(),
// for the caller to apply once the pool is finished.
class CheckPool {
 public:
  // kSize: HEAD, compare Content-Length with the listed size. kEtag: HEAD,
  // compare plain-MD5 ETags. kSizeAndEtag: both with one HEAD. kDeep: GET
  // both ends and compare size and MD5.
  enum class Kind { kDeep, kEtag, kSize, kSizeAndEtag };
  // `index` must outlive the pool; it is only read.
  CheckPool(const ListingIndex* index, int threads,
            std::function<std::unique_ptr<ObjectFetcher>()> make_fetcher);
  ~CheckPool();
  // Called (on a pool thread, under the pool's lock) after every 1000th
  // finished check with the number finished so far. Set before Submit().
  void SetProgress(std::function<void(size_t)> progress) {
    progress_ = std::move(progress);
  }
  void Submit(Kind kind, size_t index, const std::string& url);
  // Waits for all submitted checks; call once.
  void Finish();

  const CheckCounts& deep() const { return deep_; }
  const CheckCounts& etag() const { return etag_; }
  const CheckCounts& size() const { return size_; }
  // Objects found corrupt (all of them) and failures (up to 10 each).
  const std::vector<CheckFinding>& corrupt() const { return corrupt_; }
  const std::vector<CheckFinding>& errors() const { return errors_; }
  // Objects whose source size differs (up to 10).
  const std::vector<CheckFinding>& size_mismatches() const {
    return size_mismatches_;
  }
  // Listing indices of the corrupt objects.
  const std::vector<size_t>& corrupt_indices() const { return corrupt_idx_; }
  // Per listing index, the ObjectFlag bits the checks found: kVerified (a
  // size check or a deep comparison matched), kSizeMismatch, kCorrupt,
  // kUnverified (a check could not be done). Read after Finish().
  const std::vector<uint8_t>& result_flags() const { return flags_; }

 private:
  struct Job {
    Kind kind;
    size_t index;
    std::string url;
  };
  void Work();
  void RunJob(ObjectFetcher* fetcher, const Job& job);
  void RunHead(ObjectFetcher* fetcher, const Job& job);
  void RecordSize(const Job& job, const Result<SourceHead>& head);
  void Record(Kind kind, const Job& job, const Status& outcome, bool corrupt,
              bool skipped, std::string detail);

  const ListingIndex* index_;
  std::function<std::unique_ptr<ObjectFetcher>()> make_fetcher_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
  CheckCounts deep_, etag_, size_;
  std::vector<CheckFinding> corrupt_, errors_, size_mismatches_;
  std::vector<uint8_t> flags_;
  std::vector<size_t> corrupt_idx_;
  std::function<void(size_t)> progress_;
  size_t finished_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_VALIDATOR_CHECKS_H_
