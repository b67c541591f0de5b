// Copies objects over the multipart threshold: Range GETs of the source,
// one part in memory at a time per worker, each part uploaded with its own
// Content-MD5, the whole checked against a plain-MD5 source ETag before the
// upload is completed. Runs on its own few threads with blocking HTTP, so
// the event loops never wait on a large object; memory stays at about
// workers x part size whatever the object sizes.
#ifndef CFMIGRATE_LARGE_OBJECT_H_
#define CFMIGRATE_LARGE_OBJECT_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http.h"
#include "migrate_context.h"
#include "retry_policy.h"

namespace cfm {

class LargeObjectPool {
 public:
  // Starts `context->options.large_workers` threads, each with its own
  // client from `new_client`. `context` must outlive the pool.
  explicit LargeObjectPool(MigrateContext* context,
                           std::function<std::unique_ptr<HttpClient>()>
                               new_client = NewCurlHttpClient);
  ~LargeObjectPool();  // Close()s and joins

  // Queues a job (its attempts start from zero). Any thread.
  void Submit(std::unique_ptr<Job> job);
  // No more jobs will come: workers finish the queue (or stop early on the
  // context's stop flags) and exit. Then joins them.
  void Close();

  size_t pending() const;

 private:
  // The outcome of one attempt at copying an object.
  struct Attempt {
    bool ok = false;
    Verdict verdict = Verdict::kRetry;
    std::string error;  // reason when !ok
    FailType type = FailType::kSourceTransport;
    long http_status = 0;
    long retry_after_ms = -1;
    uint64_t bytes = 0;
    std::string record;      // checksum field for completed.txt
    bool malformed = false;  // the URL cannot be requested at all
  };

  static void SourceTransportError(const Status& s, Attempt* a);

  void Work();
  void Copy(std::unique_ptr<Job> job, HttpClient* http);
  Attempt CopyOnce(Job* job, HttpClient* http);
  // Sleeps `ms` unless the run is stopping; false when it stopped.
  bool Wait(long ms);

  MigrateContext* ctx_;
  std::function<std::unique_ptr<HttpClient>()> new_client_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  int busy_ = 0;
  bool closed_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cfm

#endif  // CFMIGRATE_LARGE_OBJECT_H_
