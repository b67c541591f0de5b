// The one outcome policy of the copy engine: what a finished request means
// for its object. Judge() turns (transport result, HTTP answer, S3 error)
// into a typed verdict for every request kind (a source GET, a source
// Range GET of a part, an S3 PUT or part upload, an S3 control request).
// Pure: no I/O, no clock but the time passed in; any thread. The engine
// applies the verdict's side effects (the throttle limit, the credentials
// refresh, stopping the run) in one place (ApplyOutcome, engine_shared.h).
#ifndef CFMIGRATE_OUTCOME_H_
#define CFMIGRATE_OUTCOME_H_

#include <ctime>
#include <string>
#include <string_view>

#include "http.h"
#include "http_transport.h"
#include "s3_error.h"

namespace cfm {

// What kind of failure a reason is, so that nothing parses its text back.
enum class FailType {
  kSourceGone,       // the source answered 404 or 410
  kSourceHttp,       // another status from the source
  kSourceRejected,   // a 200 that is not the image (RejectSourceAnswer)
  kSourceTransport,  // timeout, reset, truncated body from the source
  kSourceRedirects,  // more redirects than kMaxSourceRedirects
  kMalformedUrl,     // the URL cannot be requested at all
  kChecksum,         // the bytes disagree with the source's checksum
  kSourceChanged,    // the source's object changed during a multipart copy
  kS3,               // S3 answered an error
  kS3Transport,      // no (whole) answer from S3
  kStopRun,          // the run itself is misconfigured
};

struct Failure {
  FailType type = FailType::kS3;
  long http_status = 0;  // when an answer came
  // As written to failed_transfers.txt: "source http 404", "s3 timeout",
  // "source checksum mismatch", ... (plus " after N attempts" once final).
  std::string text;
};

struct Outcome {
  enum class Kind {
    kDone,     // the request did what it was for
    kRetry,    // transient: try the object again after a backoff
    kFail,     // give the object up with `failure`
    kStopRun,  // stop the whole run; `failure.text` says why
  };
  Kind kind = Kind::kDone;
  Failure failure;
  long retry_after_ms = -1;  // kRetry: Retry-After (0: at once), else -1
  bool throttled = false;    // S3 SlowDown/503: lower the in-flight limit
  bool refetch = false;      // the stored body is suspect: download again
  // ExpiredToken: refresh the credentials once and retry at once; without
  // a successful refresh the run stops.
  bool refresh_credentials = false;
  std::string stop_message;  // the run's stop message if the refresh fails
};

enum class RequestKind {
  kSourceGet,    // a whole object from the source; 200 expected
  kSourceRange,  // a part of one; 206 (or a 200 of the whole) expected
  kS3Put,        // PutObject or UploadPart
  kS3Control,    // Create/Complete/AbortMultipartUpload
};

struct RequestFacts {
  RequestKind kind = RequestKind::kSourceGet;
  std::string_view what;  // S3: "PUT images/a.jpg" for its messages
  // Source: the GET timed out while paused for S3 to take bytes (S3 is
  // the side that stalled).
  bool paused_for_s3 = false;
  // S3 PUT: Content-MD5 was the source's own ETag, so BadDigest means the
  // source's bytes did not match it.
  bool md5_from_source_etag = false;
};

// The verdict for one finished request. `now` is wall seconds, for an
// HTTP-date Retry-After. Table-tested in outcome_test.cc.
Outcome Judge(const RequestFacts& facts, const TransportResult& transport,
              const HttpResponse& answer, std::time_t now);

// The verdict for an S3 error already parsed (an S3Result of the blocking
// client); used by Judge for S3 answers.
Outcome JudgeS3Error(const S3Error& err, bool md5_from_source_etag);

// "source timeout", "s3 truncated body", "source connection error (...)".
std::string TransportFailureText(std::string_view side,
                                 const TransportResult& transport);

// Helpers for verdicts the engine reaches itself.
Outcome Retry(FailType type, std::string text, long retry_after_ms = -1);
Outcome Fail(FailType type, std::string text, long http_status = 0);
Outcome StopRun(std::string message);

}  // namespace cfm

#endif  // CFMIGRATE_OUTCOME_H_
