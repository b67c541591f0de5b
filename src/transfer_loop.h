// One libcurl multi event loop: keeps up to its share of the run's
// concurrency in flight, each object as GET from the source then PUT to S3,
// retries on timers (never sleeps), and hands objects over the multipart
// threshold to the large-object pool. Several loops, one per thread, share
// one MigrateContext. Only Run() touches the loop; it returns when the feed
// is exhausted and nothing is in flight, or at once on abort.
#ifndef CFMIGRATE_TRANSFER_LOOP_H_
#define CFMIGRATE_TRANSFER_LOOP_H_

#include <memory>

#include "migrate_context.h"

namespace cfm {

class TransferLoop {
 public:
  explicit TransferLoop(MigrateContext* context);
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
