// Fakes for the collector's unit tests: a clock that only moves when
// slept on, an HTTP client that answers from a script, and a fixture with
// options for a small offset-paged API under https://cdn/.
#ifndef CFMIGRATE_COLLECTOR_FAKES_H_
#define CFMIGRATE_COLLECTOR_FAKES_H_

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "clock.h"
#include "collector.h"
#include "test_util.h"

namespace cfm {

// A FakeClock that also counts the time slept on it, in seconds.
class FakeTime : public FakeClock {
 public:
  void SleepMs(int64_t ms) override {
    slept_ms_ += ms;
    Advance(ms);
  }
  double now() { return static_cast<double>(NowMs()) / 1000.0; }
  double slept() const { return static_cast<double>(slept_ms_) / 1000.0; }

 private:
  int64_t slept_ms_ = 0;
};

// Answers with `script` first (one entry per request), then with `serve`.
class ScriptedHttp : public HttpClient {
 public:
  Result<HttpResponse> Send(const HttpRequest& request) override {
    requests.push_back(request);
    if (!script.empty()) {
      Result<HttpResponse> r = script.front();
      script.pop_front();
      return r;
    }
    return serve(request);
  }
  std::deque<Result<HttpResponse>> script;
  std::function<Result<HttpResponse>(const HttpRequest&)> serve;
  std::vector<HttpRequest> requests;
};

inline HttpResponse Reply(long status, std::string body,
                          std::string retry_after = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  if (!retry_after.empty()) r.headers.emplace_back("retry-after", retry_after);
  return r;
}

using Serve = std::function<Result<HttpResponse>(const HttpRequest&)>;

class CollectorTest : public ::testing::Test {
 protected:
  CollectorOptions Options() {
    CollectorOptions o;
    o.pagination.style = "offset";
    o.pagination.base_url = "http://api/list";
    o.pagination.page_size = 3;
    o.items_path = *JsonPath::Parse("results");
    o.url_field = *JsonPath::Parse("url");
    o.output_file = dir_.File("urls.txt");
    o.checkpoint_file = dir_.File("checkpoint.json");
    o.source_url_prefix = "https://cdn/";
    o.rate_limit = 0;
    o.checkpoint_interval = 2;
    o.unit_random = [] { return 0.5; };  // jitter factor 1
    return o;
  }
  Status Run(const CollectorOptions& o,
             const std::atomic<int>* stop = nullptr) {
    Collector c(o, &http_, &clock_, stop);
    Status s = c.Run();
    stats_ = c.stats();
    return s;
  }
  TempDir dir_;
  FakeTime clock_;
  ScriptedHttp http_;
  CollectStats stats_;
};

}  // namespace cfm

#endif  // CFMIGRATE_COLLECTOR_FAKES_H_
