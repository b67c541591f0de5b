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
#include <memory>
#include <string>
#include <string_view>

#include "checkpoint.h"
#include "http.h"
#include "json_path.h"
#include "pagination.h"
#include "rate_limiter.h"
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
  int max_retries = 3;         // after the first attempt
  double backoff_seconds = 1;  // first retry; doubles each time
  long request_timeout_ms = 30000;
  int64_t progress_every = 10000;  // URLs between progress lines
};

struct CollectStats {
  int64_t urls_written = 0;  // total in the output file
  int64_t duplicates = 0;
  int64_t invalid = 0;
  int64_t pages = 0;
  int64_t items = 0;
  int64_t requests = 0;  // this run only
  int64_t api_total = -1;
  bool resumed = false;
  bool complete = false;  // the API has no more pages
};

class Collector {
 public:
  // `http` and `clock` are borrowed. `stop` (may be null) is read between
  // requests and during waits; non-zero stops the run.
  Collector(CollectorOptions options, HttpClient* http, TimeSource* clock,
            const std::atomic<int>* stop);
  ~Collector();

  // Resumes from the checkpoint when there is one (truncating the output
  // file to its length), otherwise starts afresh, and pages until the API
  // is exhausted. Returns OK when complete; kAborted when stopped; kAuth
  // when the API refused the token; kInvalidArgument when the checkpoint
  // belongs to another configuration; any other code when a page failed
  // after the retries. A checkpoint is saved on every return except when
  // the output file itself failed. Call once.
  Status Run();

  const CollectStats& stats() const { return stats_; }

 private:
  struct Page;
  Status Resume();
  Status RebuildSeen(int64_t length);
  Result<Page> FetchPage(const std::string& url);
  Result<Page> Attempt(const std::string& url, double* wait, bool* counts);
  Status ProcessPage(const Page& page);
  Status SaveCheckpointNow();
  Status Finish(Status status);
  void MaybeLogProgress();
  bool SleepUnlessStopped(double seconds);
  bool Stopping() const { return stop_ && stop_->load() != 0; }
  HttpRequest BuildRequest(const std::string& url) const;
  void CountInvalid(std::string_view what);

  CollectorOptions options_;
  HttpClient* http_;
  TimeSource* clock_;
  const std::atomic<int>* stop_;
  RateLimiter limiter_;
  std::unique_ptr<Paginator> paginator_;
  UrlSet seen_;
  UrlFileWriter out_;
  PageState state_;
  CollectStats stats_;
  int64_t urls_at_checkpoint_ = 0;
  int64_t next_progress_ = 1;  // in units of progress_every
  double started_ = 0;
  int64_t urls_at_start_ = 0;
  bool output_broken_ = false;
};

}  // namespace cfm

#endif  // CFMIGRATE_COLLECTOR_H_
