// Collector: one page request with rate limiting, retries and Retry-After.
#include <spdlog/spdlog.h>

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "collector.h"
#include "collector_page.h"
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

// One attempt. On a retryable failure returns the error with *counts set
// when it uses up a retry, and *wait when the server said how long to wait.
Result<Collector::Page> Collector::Attempt(const std::string& url, double* wait,
                                           bool* counts) {
  *wait = -1;
  *counts = true;
  ++stats_.requests;
  Result<HttpResponse> response = http_->Send(BuildRequest(url));
  if (!response.ok()) return response.status();
  long code = response->status;
  if (code == 429 || code == 503) {
    *counts = false;
    long ms =
        ParseRetryAfterMs(response->Header("retry-after"), std::time(nullptr));
    *wait = ms < 0 ? -1 : std::min(ms, 3600000L) / 1000.0;
    return Status::Http("HTTP " + std::to_string(code));
  }
  if (code == 401 || code == 403)
    return Status::Auth("the API refused the token (HTTP " +
                        std::to_string(code) +
                        "): check API_AUTH_TOKEN and API_AUTH_STYLE");
  if (code < 200 || code > 299)
    return Status::Http("HTTP " + std::to_string(code));
  Page page;
  page.url = url;
  page.body = nlohmann::json::parse(response->body, nullptr, false);
  if (page.body.is_discarded())
    return Status::Corruption("invalid JSON in the response (" +
                              std::to_string(response->body.size()) +
                              " bytes)");
  Result<std::vector<const nlohmann::json*>> items =
      FindItems(page.body, options_.items_path);
  if (!items.ok()) return items.status();
  for (const auto& [name, value] : response->headers)
    if (name == "link")
      page.link_header += (page.link_header.empty() ? "" : ", ") + value;
  return page;
}

bool IsFatal(const Status& s) {
  return s.code() == Status::Code::kAuth ||
         (s.code() == Status::Code::kHttp &&
          s.message().rfind("HTTP 4", 0) == 0 && s.message() != "HTTP 408");
}

Result<Collector::Page> Collector::FetchPage(const std::string& url) {
  int failures = 0;
  while (true) {
    if (Stopping()) return Status::Aborted("stopped by a signal");
    if (!SleepUnlessStopped(limiter_.Delay()))
      return Status::Aborted("stopped by a signal");
    limiter_.Take();
    double wait;
    bool counts;
    Result<Page> page = Attempt(url, &wait, &counts);
    if (page.ok()) return page;
    const Status& s = page.status();
    if (!counts) {
      double pause = wait >= 0 ? wait : options_.backoff_seconds;
      spdlog::warn("GET {}: {}; waiting {:.1f} s as asked (not a failure)", url,
                   s.message(), pause);
      if (!SleepUnlessStopped(pause))
        return Status::Aborted("stopped by a signal");
      continue;
    }
    if (IsFatal(s)) return s.WithContext("GET " + url);
    if (++failures > options_.max_retries)
      return s.WithContext("GET " + url + ": giving up after " +
                           std::to_string(failures) + " attempts");
    double backoff = options_.backoff_seconds * std::pow(2.0, failures - 1);
    spdlog::warn("GET {}: {}; retry {}/{} in {:.1f} s", url, s.ToString(),
                 failures, options_.max_retries, backoff);
    if (!SleepUnlessStopped(backoff))
      return Status::Aborted("stopped by a signal");
  }
}

bool Collector::SleepUnlessStopped(double seconds) {
  // Short slices so a signal ends a long Retry-After wait promptly.
  double until = clock_->Now() + seconds;
  for (double left = seconds; left > 0; left = until - clock_->Now()) {
    if (Stopping()) return false;
    clock_->Sleep(std::min(left, 0.1));
  }
  return !Stopping();
}

}  // namespace cfm
