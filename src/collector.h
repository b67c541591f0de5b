// The engine of `cfmigrate collect`: pages through the image-list API one
// request at a time under a token-bucket rate limit, validates and
// deduplicates every URL, appends new ones to the output file and keeps
// checkpoint.json so a run killed at any moment resumes with byte-identical
// output. HTTP, the clock and the stop flag are injected; everything else
// is files named in the options.
#ifndef CFMIGRATE_COLLECTOR_H_
#define CFMIGRATE_COLLECTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "checkpoint.h"
#include "clock.h"
#include "collector_items.h"
#include "http.h"
#include "json_path.h"
#include "pagination.h"
#include "pagination_guard.h"
#include "rate_limiter.h"
#include "redact.h"
#include "status.h"
#include "url_set.h"

namespace cfm {

struct CollectorOptions {
  PaginationConfig pagination;
  std::string auth_style = "none";  // bearer|header|query|none
  std::string auth_token;
  std::string auth_header = "X-API-Key";
  std::string auth_query_param = "api_key";
  double rate_limit = 10;  // requests/s; 0: none
  JsonPath items_path;
  JsonPath url_field;
  JsonPath total_path;         // empty: the API gives no total
  int64_t expected_total = 0;  // 0: unknown
  std::string output_file = "urls.txt";
  std::string checkpoint_file = "checkpoint.json";
  int64_t checkpoint_interval = 10000;
  std::string source_url_prefix;
  // A failing request is retried at least max_retries times, and for as
  // long as the failures have lasted less than retry_window_seconds.
  int max_retries = 3;
  double retry_window_seconds = 900;
  double backoff_seconds = 1;  // first retry; doubles each time
  double max_backoff_seconds = 60;
  // Jitter source in [0, 1); the backoff is scaled by 0.5 + draw. Null: a
  // seeded std::mt19937.
  std::function<double()> unit_random;
  long request_timeout_ms = 30000;
  int64_t progress_every = 10000;  // URLs between progress lines
  int64_t max_pages = 0;           // pages this run; 0: unlimited
  int64_t stall_pages = 20;        // pages in a row with nothing new; 0: off
};

struct CollectStats {
  int64_t urls_written = 0;  // total in the output file
  SkipTally duplicates;      // URLs already written
  SkipTally foreign;         // URLs outside SOURCE_URL_PREFIX
  SkipTally malformed;       // values that are not a URL
  int64_t pages = 0;
  int64_t items = 0;
  int64_t requests = 0;  // this run only
  int64_t api_total = -1;
  bool resumed = false;
  bool complete = false;           // the API has no more pages
  bool max_pages_reached = false;  // stopped by max_pages, not complete
};

class Collector {
 public:
  // `http` and `clock` are borrowed. `stop` (may be null) is read between
  // requests and during waits; non-zero stops the run.
  Collector(CollectorOptions options, HttpClient* http, Clock* clock,
            const std::atomic<int>* stop);
  ~Collector();

  // Resumes from the checkpoint when there is one (truncating the output
  // file to its length), otherwise starts afresh, and pages until the API
  // is exhausted or max_pages pages were fetched. Returns OK when complete
  // or at max_pages (stats().max_pages_reached tells which); kAborted when
  // stopped; kAuth when the API refused the token; kInvalidArgument when
  // the checkpoint belongs to another configuration or the first page shows
  // API_ITEMS_PATH or API_URL_FIELD is wrong (before a second request);
  // kCorruption when paging makes no progress or a later page has the wrong
  // shape; any other code when a page failed for longer than the retry
  // window. A checkpoint is saved on every return except when the output
  // file itself failed. Call once.
  Status Run();

  const CollectStats& stats() const { return stats_; }

 private:
  struct Page;
  Status Resume();
  Status RebuildSeen(int64_t length);
  Result<Page> FetchPage(const std::string& url);
  Result<Page> Attempt(const std::string& url, bool* transient,
                       double* retry_after);
  Status ShapeError(const nlohmann::json& body) const;
  Status CheckUrlField(const std::vector<const nlohmann::json*>& items) const;
  Status ProcessPage(const Page& page);
  Status WriteUrls(const std::vector<const nlohmann::json*>& items);
  // Seconds to wait before retry number `retry` (from 1), the failures
  // having lasted `failing` seconds; `retry_after` < 0: the API said none.
  double PauseBefore(int retry, double failing, double retry_after);
  std::string Redacted(std::string_view text) const {
    return Redact(text, secret_);
  }
  Status SaveCheckpointNow();
  Status Finish(Status status);
  void MaybeLogProgress();
  bool SleepUnlessStopped(double seconds);
  double NowSeconds() const;  // the clock's monotonic time
  bool Stopping() const { return stop_ && stop_->load() != 0; }
  HttpRequest BuildRequest(const std::string& url) const;

  CollectorOptions options_;
  HttpClient* http_;
  Clock* clock_;
  const std::atomic<int>* stop_;
  Secret secret_;
  RateLimiter limiter_;
  std::function<double()> random_;
  std::unique_ptr<Paginator> paginator_;
  std::unique_ptr<ProgressGuard> guard_;
  UrlSet seen_;
  UrlFileWriter out_;
  PageState state_;
  CollectStats stats_;
  int64_t urls_at_checkpoint_ = 0;
  int64_t next_progress_ = 1;  // in units of progress_every
  double started_ = 0;
  int64_t urls_at_start_ = 0;
  int64_t pages_this_run_ = 0;
  bool url_field_checked_ = false;
  bool output_broken_ = false;
};

}  // namespace cfm

#endif  // CFMIGRATE_COLLECTOR_H_
