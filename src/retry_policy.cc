#include "retry_policy.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace cfm {

Verdict ClassifySourceStatus(long http_status) {
  if (http_status == 0 || http_status == 408 || http_status == 429 ||
      http_status >= 500)
    return Verdict::kRetry;
  return Verdict::kFailObject;
}

long BackoffMs(int retry, double unit_random, long retry_after_ms) {
  if (retry_after_ms >= 0) return std::min(retry_after_ms, 120000L);
  long base = 1000L << std::min(std::max(retry - 1, 0), 5);
  base = std::min(base, 20000L);
  return static_cast<long>(base * (0.5 + unit_random));
}

long ParseRetryAfterMs(std::string_view value, std::time_t now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return -1;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 9) return 120000;
    return std::atol(std::string(value).c_str()) * 1000L;
  }
  // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  std::string s(value);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return -1;
  std::time_t when = timegm(&tm);
  return when <= now ? 0 : static_cast<long>(when - now) * 1000L;
}

bool RetriesExhausted(int attempts, int throttled, int max_retries) {
  if (attempts - throttled > max_retries) return true;
  return attempts > max_retries + kExtraThrottleRetries;
}

std::string FailureReason(std::string_view last_error, int attempts) {
  std::string reason(last_error);
  if (attempts > 1)
    reason += " after " + std::to_string(attempts) + " attempts";
  return reason;
}

}  // namespace cfm
