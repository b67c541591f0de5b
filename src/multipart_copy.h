// Objects over the multipart threshold, copied by the transfer loop that
// found them (transfer_loop.cc): every request of a copy (the Range GETs of
// its parts, CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload) is a transfer of the loop's Transport, judged by
// Judge()/ApplyUnitOutcome() like a small object's, retried on the loop's
// timers. Owned and driven by one loop; its thread only.
//
// One copy: the first part's Range GET (a 404 there starts no upload; a 200
// means the source ignores Range: the whole body is then split in memory;
// a 200 for a later part is a transient failure of that part),
// CreateMultipartUpload, then up to kMaxPartsPerObject parts at once, each
// fetched and uploaded with its own Content-MD5. The object's in-flight slot
// always lets one part go; each further part takes a slot of its own only
// while the run is under its in-flight limit, and a part buffer only while
// fewer than EngineOptions::max_part_buffers are held. The whole object's
// MD5 is hashed in part order (a finished part's body is kept until every
// earlier one is hashed) and checked against a plain-MD5 source ETag before
// CompleteMultipartUpload.
//
// Failures: a part (or a control request) that fails transiently is
// retried alone after a backoff; when its retries run out, or the verdict
// is fail, the upload is aborted (best effort) and the object recorded
// failed with the typed Failure. A part whose ETag differs from the first
// part's fails the object ("source changed during the copy"). A whole-MD5
// mismatch restarts the object (a new upload) until its retries run out. A
// stop verdict aborts the upload and records nothing (the next run copies
// it).
//
// Stop (first signal): copies in flight go on, parts included, within the
// grace period; a copy with a retry waiting is dropped and its upload
// aborted. Second signal (abort_now): AbortAll() drops everything at once
// and sends the aborts with a 2 s timeout.
#ifndef CFMIGRATE_MULTIPART_COPY_H_
#define CFMIGRATE_MULTIPART_COPY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http_transport.h"
#include "migrate_context.h"

namespace cfm {
namespace transfer {
struct BufferPool;
}

// Parts of one object in flight at once (and part bodies it holds).
constexpr int kMaxPartsPerObject = 4;
// AbortMultipartUpload's timeout; short after a second signal, when the
// user waits for it.
constexpr long kAbortTimeoutMs = 10000;
constexpr long kAbortNowTimeoutMs = 2000;

class MultipartCopies {
 public:
  // The loop's one builder of source requests: a GET of `url` (as listed)
  // with the run's timeouts, redirects and TLS trust, into `sink`.
  using SourceRequestFn =
      std::function<TransferRequest(const std::string& url, BodySink* sink)>;

  // `ctx`, `transport` and `buffers` (the loop's spare bodies, which part
  // bodies come from and go back to) outlive this object.
  MultipartCopies(MigrateContext* ctx, Transport* transport,
                  transfer::BufferPool* buffers,
                  SourceRequestFn source_request);
  // Cancels every request still in flight (no abort is sent).
  ~MultipartCopies();
  MultipartCopies(const MultipartCopies&) = delete;
  MultipartCopies& operator=(const MultipartCopies&) = delete;

  // Copies `job` (its slot held, attempts zero) in parts; the result goes
  // to the sink.
  void Start(std::unique_ptr<Job> job);
  // Takes a completion of one of its requests; false when not one of them.
  bool OnDone(Transport::Completion* done);
  // Once per loop turn: starts retries that are due and parts that may go
  // now; when `stopping`, drops the copies with a retry waiting instead.
  void Tick(bool stopping);
  // When the next waiting retry is due (clock ms), or -1.
  int64_t NextDueMs() const;
  // No copy and no abort in flight.
  bool empty() const;
  // Drops every copy at once (nothing recorded) and sends the aborts of
  // their uploads with kAbortNowTimeoutMs; empty() once they are answered.
  void AbortAll();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cfm

#endif  // CFMIGRATE_MULTIPART_COPY_H_
