// One event loop of the copy engine: keeps up to its share of the run's
// concurrency in flight, each object as GET from the source then PUT to S3
// (streamed through a small ring when it can be), retries on timers (never
// sleeps); an object over the multipart threshold is copied in parts by
// the same loop, its requests transfers of the same Transport
// (multipart_copy.h). Several loops, one per thread, share one
// MigrateContext; each has its own Transport. Only Run() touches the loop;
// it returns when the feed is exhausted and nothing is in flight, or on
// abort once the aborts of its multipart uploads are answered (at most
// kAbortNowTimeoutMs): what was in flight is dropped, not recorded.
#ifndef CFMIGRATE_TRANSFER_LOOP_H_
#define CFMIGRATE_TRANSFER_LOOP_H_

#include <memory>

#include "http_transport.h"
#include "migrate_context.h"

namespace cfm {

class TransferLoop {
 public:
  // `transport` null: the libcurl transport, sized for the context's limit.
  // Time (deadlines, backoff, Retry-After dates, signing) comes from
  // `context->clock`.
  explicit TransferLoop(MigrateContext* context,
                        std::unique_ptr<Transport> transport = nullptr);
  ~TransferLoop();
  TransferLoop(const TransferLoop&) = delete;
  TransferLoop& operator=(const TransferLoop&) = delete;

  void Run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cfm

#endif  // CFMIGRATE_TRANSFER_LOOP_H_
