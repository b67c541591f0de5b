// What the transfer loops of one migrate run share: options, the S3
// target, credentials, the work feed, the result sink, the concurrency
// limit, the clock and the run's flags and counters (RunControl). Owned by
// cmd_migrate; loops hold a pointer.
#ifndef CFMIGRATE_MIGRATE_CONTEXT_H_
#define CFMIGRATE_MIGRATE_CONTEXT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aws_credentials.h"
#include "clock.h"
#include "concurrency.h"
#include "http_transport.h"
#include "outcome.h"
#include "retry_policy.h"
#include "s3_error.h"
#include "s3_request.h"
#include "status.h"

namespace cfm {

class WorkFeed;
class ResultSink;

enum class ChecksumMode { kAuto, kMd5, kCrc32c, kNone };

// One object counted against the in-flight limit from the moment a loop
// takes it until it is recorded, given up or dropped: the count goes down
// when the slot is destroyed, wherever that happens. Move-only.
class InflightSlot {
 public:
  InflightSlot() = default;
  explicit InflightSlot(std::atomic<int>* count) : count_(count) { ++*count_; }
  InflightSlot(InflightSlot&& other) noexcept : count_(other.count_) {
    other.count_ = nullptr;
  }
  InflightSlot& operator=(InflightSlot&& other) noexcept {
    if (this != &other) {
      Release();
      count_ = other.count_;
      other.count_ = nullptr;
    }
    return *this;
  }
  InflightSlot(const InflightSlot&) = delete;
  InflightSlot& operator=(const InflightSlot&) = delete;
  ~InflightSlot() { Release(); }
  bool held() const { return count_ != nullptr; }

 private:
  void Release() {
    if (count_) --*count_;
    count_ = nullptr;
  }
  std::atomic<int>* count_ = nullptr;
};

// One object to copy. Moves between the feed and a loop (and within the
// loop to its multipart copies); exactly one of them owns it at a time.
struct Job {
  std::string url;
  std::string key;
  // Attempts started so far (a GET+PUT, or a PUT alone; for a multipart
  // copy, the times the whole object was started from its first part).
  int attempts = 0;
  int64_t due_ms = 0;                  // when a waiting retry may start
  bool refreshed_credentials = false;  // ExpiredToken refresh used up
  // Attempts that S3 throttled (SlowDown, 503): they have their own budget.
  int throttled_attempts = 0;
  // Filled by the download; `downloaded` means the body is complete and
  // verified, so a retry redoes only the PUT.
  std::string body;
  std::string content_type;
  std::string etag;  // the source's, as sent (quotes included)
  // The source's Content-Length while downloading (-1: none sent); the
  // object's size once the download is complete.
  int64_t content_length = -1;
  bool downloaded = false;
  bool too_large = false;   // over the multipart threshold
  std::string etag_record;  // the checksum field of completed.txt
  // CRC32C of `body`, kept up as bytes arrive when `crc_running`.
  uint32_t crc32c = 0;
  bool crc_running = false;
  InflightSlot slot;  // held while a loop has the object
};

// Where the loops take their work from (the WorkFeed; a list in tests).
class JobQueue {
 public:
  virtual ~JobQueue() = default;
  // A job when one is ready, else nullptr. Never blocks; any thread.
  virtual std::unique_ptr<Job> TryTake() = 0;
  // True once every job has been handed out and no more will come.
  virtual bool Exhausted() const = 0;
};

struct EngineOptions {
  int threads = 1;
  int max_retries = 3;
  long download_timeout_ms = 30000;
  long upload_timeout_ms = 60000;
  long connect_timeout_ms = 10000;
  ChecksumMode checksum = ChecksumMode::kAuto;
  std::string acl = "bucket-owner-full-control";
  int64_t multipart_threshold = 10 << 20;  // bigger objects go multipart
  int64_t part_size = 8 << 20;
  // Part bodies of multipart copies held at once across the run, beyond
  // the one part a large object in flight may always hold (so none
  // starves): memory for parts stays under
  // (max_part_buffers + large objects in flight) x part_size.
  int max_part_buffers = 16;
  TlsTrust tls;  // CA bundles for the source and for S3 ("": the system's)
  // Offer HTTP/2 to the source by ALPN (SOURCE_HTTP_VERSION=2).
  bool source_http2 = false;
  // A source 200 of one of these media types is an error page, not an
  // image (REJECT_CONTENT_TYPES, see source_answer.h).
  std::vector<std::string> reject_types = {"text/html"};
};

// The destination: where objects go and the credentials to sign with.
struct S3Access {
  S3Target target;
  std::function<Result<AwsCredentials>()> credentials;
  std::function<Status()> refresh_credentials;
};

// What one RunControl::Tick newly decided.
struct StopChanges {
  bool stop_starting = false;  // start nothing new from now on
  bool abort_now = false;      // drop everything in flight now
};

// The run's shared flags and counters; any thread (Tick: the monitor's).
struct RunControl {
  // The stop rules, once per monitor tick at `now_ms`: a signal or a
  // run-stopping error (`sink_stop`) sets stop_starting; a second signal,
  // or `grace_ms` passed since stop_starting was set, sets abort_now.
  // Returns what it newly set, so the caller logs it once.
  StopChanges Tick(int signals, bool sink_stop, int64_t now_ms,
                   int64_t grace_ms);

  // Objects started and not yet finished, across loops (waiting retries
  // included); compared with the limit before starting another. Held
  // through InflightSlot only.
  std::atomic<int> in_flight{0};
  std::atomic<int> retrying{0};
  // Part bodies held by multipart copies (EngineOptions::max_part_buffers).
  std::atomic<int> part_buffers{0};
  // Set by signals or by a run-stopping error: start nothing new.
  std::atomic<bool> stop_starting{false};
  // Set by a second signal or the end of the grace period: drop everything
  // in flight now.
  std::atomic<bool> abort_now{false};
  int64_t stop_at_ms = -1;  // when stop_starting was set (Tick only)
};

struct MigrateContext {
  EngineOptions options;
  S3Access s3;
  JobQueue* feed = nullptr;
  ResultSink* sink = nullptr;
  std::unique_ptr<ConcurrencyLimit> limit;
  RunControl run;
  Clock* clock = SystemClock();

  // The one "are we stopping" predicate: a signal or a run-stopping error
  // (the sink's) means start nothing new and drop waiting retries.
  bool Stopping() const;
};

// The integrity header to send for `job` and the value recorded in
// completed.txt ("md5:<hex>", "crc32c:<base64>" or "").
struct Integrity {
  std::string content_md5;      // base64
  std::string checksum_crc32c;  // base64
  std::string record;
};
// With kAuto, a plain-MD5 source ETag (32 hex digits, not weak, no "-N") is
// sent as Content-MD5 without hashing; otherwise CRC32C is computed. kMd5
// computes MD5 (and Corruption when a plain-MD5 ETag disagrees), kCrc32c
// always computes CRC32C, kNone sends nothing. `crc32c`, when not null, is
// the body's CRC32C computed as it arrived, used instead of a second pass.
Result<Integrity> ComputeIntegrity(ChecksumMode mode, const std::string& etag,
                                   std::string_view body,
                                   const uint32_t* crc32c = nullptr);

// Whether ComputeIntegrity will need the body's CRC32C.
bool NeedsCrc32c(ChecksumMode mode, const std::string& etag);

// Whether ComputeIntegrity needs no byte of the body (kAuto with a plain-MD5
// ETag, or kNone): the PUT can then start before the body has arrived.
bool IntegrityWithoutBody(ChecksumMode mode, const std::string& etag);

// Applies the side effects of a verdict (outcome.h) for `job`, in one place
// for every request of the loops: counts throttled attempts and
// lowers the concurrency limit on throttling; marks the body for refetch;
// refreshes credentials once on ExpiredToken (a refresh that is used up or
// fails turns the verdict into kStopRun); asks the sink to stop the run on
// kStopRun. Returns the verdict to act on.
Outcome ApplyOutcome(MigrateContext* ctx, Outcome outcome, Job* job);

// The same for one unit of a multipart copy (a part, or its upload's
// control requests): throttled attempts are counted in `throttled`, the
// once-per-object credentials refresh in `job`. A refetch is the caller's.
Outcome ApplyUnitOutcome(MigrateContext* ctx, Outcome outcome, Job* job,
                         int* throttled);

// The hex MD5 in a plain-MD5 ETag ("\"<32 hex>\""), or "".
std::string PlainMd5FromEtag(std::string_view etag);

}  // namespace cfm

#endif  // CFMIGRATE_MIGRATE_CONTEXT_H_
