// The producer side of a migrate run: a thread that streams the input list,
// maps each URL to its key, drops duplicates and URLs already done, records
// malformed lines, and hands out jobs through a bounded queue.
#ifndef CFMIGRATE_WORK_FEED_H_
#define CFMIGRATE_WORK_FEED_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "key_mapper.h"
#include "migrate_context.h"
#include "status.h"
#include "url_set.h"

namespace cfm {

class ResultSink;

class WorkFeed : public JobQueue {
 public:
  // `done` holds RecordId(url, key) of the completed.txt records of this
  // run's bucket; the feed adds the id of every URL it reads (with the key
  // it maps to), so a URL is handed out at most once and a record of
  // another key (prefix, layout) does not count. Not owned; must outlive
  // the feed. `sink` receives malformed lines.
  WorkFeed(std::string list_path, KeyMappingOptions mapping, UrlSet* done,
           ResultSink* sink, size_t capacity);
  ~WorkFeed() override;  // stops and joins the reader thread

  // Hands out only URLs whose key `owns` (this worker's shard; see
  // shard.h); a malformed URL, which has no key, is reported only when
  // `owns_malformed` holds for it. Call before Start(); default: all.
  void SetShard(std::function<bool(std::string_view key)> owns,
                std::function<bool(std::string_view url)> owns_malformed);

  void Start();
  // Stops reading early (a signal or a run-stopping error).
  void Stop();

  // A job when one is ready, else nullptr. Never blocks; any thread.
  std::unique_ptr<Job> TryTake() override;
  // True once the whole list has been read and every job taken.
  bool Exhausted() const override;

  // The reader's I/O status once it has stopped.
  Status status() const;
  uint64_t skipped() const { return skipped_.load(); }
  uint64_t queued() const { return queued_.load(); }

 private:
  void ReadAll();

  const std::string list_path_;
  const KeyMappingOptions mapping_;
  UrlSet* done_;
  ResultSink* sink_;
  const size_t capacity_;
  std::function<bool(std::string_view)> owns_, owns_malformed_;

  mutable std::mutex mu_;
  std::condition_variable space_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool finished_ = false;
  bool stop_ = false;
  Status status_;
  std::atomic<uint64_t> skipped_{0};
  std::atomic<uint64_t> queued_{0};
  std::thread thread_;
};

}  // namespace cfm

#endif  // CFMIGRATE_WORK_FEED_H_
