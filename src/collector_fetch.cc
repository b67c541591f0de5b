// Collector: one page request with rate limiting, and the retries that ride
// out an outage of the API (backoff with jitter, Retry-After, a window of
// continuous failure).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "collector.h"
#include "collector_page.h"
#include "progress.h"
#include "retry_policy.h"

namespace cfm {

HttpRequest Collector::BuildRequest(const std::string& url) const {
  HttpRequest request;
  request.url = url;
  request.timeout_ms = options_.request_timeout_ms;
  request.headers.emplace_back("Accept", "application/json");
  const std::string& style = options_.auth_style;
  const std::string& token = options_.auth_token;
  if (style == "bearer") {
    request.headers.emplace_back("Authorization", "Bearer " + token);
  } else if (style == "header") {
    request.headers.emplace_back(options_.auth_header, token);
  } else if (style == "query") {
    request.url = SetQueryParam(url, options_.auth_query_param, token);
  }
  return request;
}

bool IsTransientHttp(long code) {
  return code == 408 || code == 429 || (code >= 500 && code <= 599);
}

// One attempt. On failure *transient says whether trying again may help,
// and *retry_after (seconds, -1: not said) how long the server asked to
// wait.
Result<Collector::Page> Collector::Attempt(const std::string& url,
                                           bool* transient,
                                           double* retry_after) {
  *transient = true;
  *retry_after = -1;
  ++stats_.requests;
  Result<HttpResponse> response = http_->Send(BuildRequest(url));
  if (!response.ok()) return Status(response.status());
  long code = response->status;
  if (IsTransientHttp(code)) {
    long ms = ParseRetryAfterMs(response->Header("retry-after"),
                                clock_->WallSeconds());
    if (ms >= 0) *retry_after = ms / 1000.0;
    return Status::Http("HTTP " + std::to_string(code));
  }
  *transient = false;
  if ((code == 401 || code == 403) && stats_.pages > 0)
    return Status::Auth("the API refused the token (HTTP " +
                        std::to_string(code) + ") after " +
                        std::to_string(stats_.pages) +
                        " pages it accepted: it may have expired or been "
                        "revoked; check API_AUTH_TOKEN, then run again to "
                        "resume");
  if (code == 401 || code == 403)
    return Status::Auth("the API refused the token (HTTP " +
                        std::to_string(code) +
                        "): check API_AUTH_TOKEN and API_AUTH_STYLE");
  if (code < 200 || code > 299)
    return Status::Http("HTTP " + std::to_string(code));
  Page page;
  page.url = url;
  page.body = nlohmann::json::parse(response->body, nullptr, false);
  // A body cut short is the likeliest cause, and that passes.
  *transient = page.body.is_discarded();
  if (*transient)
    return Status::Corruption("invalid JSON in the response (" +
                              std::to_string(response->body.size()) +
                              " bytes)");
  if (!FindItems(page.body, options_.items_path).ok())
    return ShapeError(page.body);
  for (const auto& [name, value] : response->headers)
    if (name == "link")
      page.link_header += (page.link_header.empty() ? "" : ", ") + value;
  return page;
}

double Collector::PauseBefore(int retry, double failing, double retry_after) {
  double delay = options_.backoff_seconds * std::pow(2.0, retry - 1);
  delay = std::min(delay, options_.max_backoff_seconds) * (0.5 + random_());
  double window = options_.retry_window_seconds;
  // The server's word wins, but not past the window (nor, for the first
  // retries, past whichever of the window and the backoff is longer).
  if (retry_after >= 0) delay = std::min(retry_after, std::max(window, delay));
  // Past the first retries, the last attempt falls at the window's end.
  if (retry > options_.max_retries) delay = std::min(delay, window - failing);
  return delay;
}

Result<Collector::Page> Collector::FetchPage(const std::string& url) {
  const std::string where = "GET " + Redacted(url);
  int failures = 0;
  double failing_since = 0;
  while (true) {
    if (!SleepUnlessStopped(limiter_.Delay()))
      return Status::Aborted("stopped by a signal");
    limiter_.Take();
    bool transient;
    double retry_after;
    Result<Page> page = Attempt(url, &transient, &retry_after);
    if (page.ok() && failures > options_.max_retries)
      spdlog::info("the API answers again after {} failed attempts", failures);
    if (page.ok()) return page;
    const Status& s = page.status();
    if (!transient) return s.WithContext(where);
    double now = NowSeconds();
    if (failures++ == 0) failing_since = now;
    double failing = now - failing_since;
    double window = options_.retry_window_seconds;
    if (failures > options_.max_retries && failing >= window)
      return s.WithContext(
          where + ": giving up after " + std::to_string(failures) +
          " attempts over " + FormatDuration(failing) +
          " (API_RETRY_WINDOW=" + FormatDuration(window) + ")");
    double pause = PauseBefore(failures, failing, retry_after);
    spdlog::warn(
        "{}: {}; retry {} in {:.1f} s (failing for {}, giving up "
        "after API_RETRY_WINDOW={})",
        where, s.message(), failures, pause, FormatDuration(failing),
        FormatDuration(window));
    if (!SleepUnlessStopped(pause))
      return Status::Aborted("stopped by a signal");
  }
}

double Collector::NowSeconds() const {
  return static_cast<double>(clock_->NowMs()) / 1000.0;
}

bool Collector::SleepUnlessStopped(double seconds) {
  // Short slices so a signal ends a long Retry-After wait promptly.
  // Whole ms, rounded up (less 1 ns so an exact n ms stays n).
  int64_t until =
      clock_->NowMs() + static_cast<int64_t>(std::ceil(seconds * 1000 - 1e-6));
  for (int64_t left = until - clock_->NowMs(); left > 0;
       left = until - clock_->NowMs()) {
    if (Stopping()) return false;
    clock_->SleepMs(std::min<int64_t>(left, 100));
  }
  return !Stopping();
}

}  // namespace cfm
