// What to do after an attempt fails, and when to try again. Pure functions:
// the random draw and the clock are passed in.
#ifndef CFMIGRATE_RETRY_POLICY_H_
#define CFMIGRATE_RETRY_POLICY_H_

#include <ctime>
#include <string>
#include <string_view>

namespace cfm {

enum class Verdict {
  kRetry,       // transient: try again after a backoff
  kFailObject,  // this object cannot be copied; record it and go on
  kStopRun,     // the run itself is misconfigured; stop everything
};

// Outcome of one source GET: an HTTP status (0 when the transport failed).
// 404/410/403 and other 4xx fail the object at once; 408, 429 and 5xx are
// retried.
Verdict ClassifySourceStatus(long http_status);

// Delay in milliseconds before retry number `retry` (1 for the first retry):
// 1 s, 2 s, 4 s, ... capped at 20 s, scaled by a jitter factor in
// [0.5, 1.5) taken from `unit_random` in [0, 1). A Retry-After value, when
// given (>= 0 ms), wins over the computed delay, capped at 120 s.
long BackoffMs(int retry, double unit_random, long retry_after_ms = -1);

// Parses a Retry-After header: delta-seconds or an HTTP date (RFC 7231),
// relative to `now`. Returns milliseconds, or -1 when absent or unparsable.
long ParseRetryAfterMs(std::string_view value, std::time_t now);

// Whether an object that failed `attempts` times, `throttled` of them by S3
// throttling (SlowDown, 503), has used up its retries. Other failures get
// `max_retries` retries; throttling is S3 pacing the whole run rather than a
// fault of this object, so it gets up to kExtraThrottleRetries more.
constexpr int kExtraThrottleRetries = 6;
bool RetriesExhausted(int attempts, int throttled, int max_retries);

// The reason recorded for a failed object: `last_error`, plus
// " after N attempts" when it was tried more than once.
std::string FailureReason(std::string_view last_error, int attempts);

}  // namespace cfm

#endif  // CFMIGRATE_RETRY_POLICY_H_
