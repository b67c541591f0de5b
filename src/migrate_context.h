// What the transfer loops of one migrate run share: options, the S3
// target, credentials, the work feed, the result sink, the concurrency
// limit and the stop flags. Owned by cmd_migrate; loops hold a pointer.
#ifndef CFMIGRATE_MIGRATE_CONTEXT_H_
#define CFMIGRATE_MIGRATE_CONTEXT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aws_credentials.h"
#include "concurrency.h"
#include "retry_policy.h"
#include "s3_error.h"
#include "s3_request.h"
#include "status.h"

namespace cfm {

class WorkFeed;
class ResultSink;
class LargeObjectPool;

enum class ChecksumMode { kAuto, kMd5, kCrc32c, kNone };

// One object to copy. Moves between the feed, a loop and the large-object
// pool; exactly one of them owns it at a time.
struct Job {
  std::string url;
  std::string key;
  int attempts = 0;    // attempts started so far (a GET+PUT, or a PUT alone)
  int64_t due_ms = 0;  // when a waiting retry may start
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
  int large_workers = 2;
  std::string source_ca_file;  // CA bundle for https sources ("" default)
  // A source 200 of one of these media types is an error page, not an
  // image (REJECT_CONTENT_TYPES, see source_answer.h).
  std::vector<std::string> reject_types = {"text/html"};
};

struct MigrateContext {
  EngineOptions options;
  S3Target target;
  std::function<Result<AwsCredentials>()> credentials;
  std::function<Status()> refresh_credentials;
  WorkFeed* feed = nullptr;
  ResultSink* sink = nullptr;
  LargeObjectPool* large = nullptr;
  std::unique_ptr<ConcurrencyLimit> limit;
  // Objects started and not yet finished, across loops (waiting retries
  // included); compared with limit->limit() before starting another.
  std::atomic<int> in_flight{0};
  std::atomic<int> retrying{0};
  // Set by signals or by a run-stopping error: start nothing new.
  std::atomic<bool> stop_starting{false};
  // Set by a second signal or the end of the grace period: drop everything
  // in flight now.
  std::atomic<bool> abort_now{false};
};

// Milliseconds on a monotonic clock.
int64_t NowMs();

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

// Decides what an S3 error means for `job`, in one place for the loops and
// the large-object pool: sets `*error` to the reason to record ("s3
// SlowDown", "timeout", ...) and `*retry_after_ms`; lowers the concurrency
// limit on throttling; refreshes credentials once on ExpiredToken; asks the
// sink to stop the run on errors that mean the run is misconfigured.
Verdict JudgeS3Error(MigrateContext* ctx, const S3Error& err, Job* job,
                     std::string* error, long* retry_after_ms);

// The hex MD5 in a plain-MD5 ETag ("\"<32 hex>\""), or "".
std::string PlainMd5FromEtag(std::string_view etag);

}  // namespace cfm

#endif  // CFMIGRATE_MIGRATE_CONTEXT_H_
