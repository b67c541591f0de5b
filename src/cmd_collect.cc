// cfmigrate collect: page through the image-list API and write urls.txt.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>

#include "cli.h"
#include "collector.h"
#include "commands.h"
#include "log.h"
#include "status_file.h"
#include "stop_signals.h"

namespace cfm {
namespace {

// Fills the paths; returns the problems, one a line ("" when none).
std::string ParsePaths(const Settings& s, CollectorOptions* o) {
  std::string problems;
  auto parse = [&](const char* name, JsonPath* out) {
    Result<JsonPath> p = JsonPath::Parse(s.Get(name));
    if (p.ok())
      *out = *p;
    else
      problems += std::string(name) + ": " + p.status().message() + "\n";
  };
  parse("API_ITEMS_PATH", &o->items_path);
  parse("API_URL_FIELD", &o->url_field);
  parse("API_TOTAL_PATH", &o->total_path);
  parse("API_NEXT_CURSOR_PATH", &o->pagination.next_cursor_path);
  parse("API_NEXT_URL_PATH", &o->pagination.next_url_path);
  if (o->url_field.empty()) problems += "API_URL_FIELD: must not be empty\n";
  if (o->auth_style != "none" && o->auth_token.empty())
    problems += "API_AUTH_TOKEN: required when API_AUTH_STYLE is " +
                o->auth_style + " (set API_AUTH_STYLE=none for no auth)\n";
  return problems;
}

CollectorOptions OptionsFrom(const Settings& s) {
  CollectorOptions o;
  PaginationConfig& p = o.pagination;
  p.style = s.Get("API_PAGINATION");
  p.base_url = s.Get("API_BASE_URL");
  p.page_param = s.Get("API_PAGE_PARAM");
  p.page_start = s.GetInt("API_PAGE_START");
  p.page_size_param = s.Get("API_PAGE_SIZE_PARAM");
  p.page_size = s.GetInt("RESULTS_PER_PAGE");
  p.offset_param = s.Get("API_OFFSET_PARAM");
  p.cursor_param = s.Get("API_CURSOR_PARAM");
  o.auth_style = s.Get("API_AUTH_STYLE");
  o.auth_token = s.Get("API_AUTH_TOKEN");
  o.auth_header = s.Get("API_AUTH_HEADER");
  o.auth_query_param = s.Get("API_AUTH_QUERY_PARAM");
  o.rate_limit = s.GetNumber("API_RATE_LIMIT");
  o.expected_total = s.GetInt("EXPECTED_TOTAL");
  o.output_file = s.Get("OUTPUT_FILE");
  o.checkpoint_file = StatePath(s, "checkpoint.json");
  o.checkpoint_interval = s.GetInt("CHECKPOINT_INTERVAL");
  o.source_url_prefix = s.Get("SOURCE_URL_PREFIX");
  return o;
}

// Warns when the count differs from the expected total by more than 0.1%.
void CompareWithTotal(const CollectStats& st, int64_t expected_total) {
  int64_t total = st.api_total >= 0 ? st.api_total : expected_total;
  if (total <= 0) return;
  const char* source = st.api_total >= 0 ? "the API's total" : "EXPECTED_TOTAL";
  double diff = std::fabs(static_cast<double>(st.urls_written - total));
  if (diff > 0.001 * static_cast<double>(total))
    spdlog::warn("collected {} URLs but {} is {} (difference {:.2f}%)",
                 st.urls_written, source, total, 100.0 * diff / total);
  else
    spdlog::info("collected {} URLs; {} is {}", st.urls_written, source, total);
}

int ExitCodeFor(const Status& s) {
  if (s.ok()) return kExitOk;
  switch (s.code()) {
    case Status::Code::kAborted:
      return kExitInterrupted;
    case Status::Code::kAuth:
    case Status::Code::kInvalidArgument:
      return kExitConfig;
    default:
      return kExitFailures;
  }
}

}  // namespace

int RunCollect(const std::vector<std::string>& args) {
  Settings settings;
  if (auto code = PrepareCommand(kCollect, args, &settings)) return *code;
  CollectorOptions options = OptionsFrom(settings);
  if (std::string problems = ParsePaths(settings, &options);
      !problems.empty()) {
    std::fprintf(stderr, "cfmigrate collect: configuration error:\n%s",
                 problems.c_str());
    return kExitConfig;
  }
  std::unique_ptr<StateLock> lock;
  if (int code = OpenStateDir(settings, kCollect, "collection.log", &lock);
      code >= 0)
    return code;
  const std::atomic<int>* stop = InstallStopSignals();
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  Collector collector(options, http.get(), RealTimeSource(), stop);
  spdlog::info("collect: {} pagination from {}, rate limit {}/s, output {}",
               options.pagination.style, options.pagination.base_url,
               options.rate_limit, options.output_file);
  SimpleStatusFile status_file(StatePath(settings, "status.json"), "collect");
  Status status = collector.Run();
  const CollectStats& st = collector.stats();
  status_file.Progress(static_cast<uint64_t>(st.urls_written), 0);
  if (status.code() != Status::Code::kInvalidArgument)
    spdlog::info(
        "{} URLs written, {} duplicates, {} invalid, {} items, {} "
        "pages, {} requests this run",
        st.urls_written, st.duplicates, st.invalid, st.items, st.pages,
        st.requests);
  if (status.ok()) {
    CompareWithTotal(st, options.expected_total);
    spdlog::info("collection complete: {}", options.output_file);
  } else if (status.code() == Status::Code::kAborted) {
    spdlog::warn("interrupted; checkpoint saved, run again to resume");
  } else {
    spdlog::error("{}", status.ToString());
    if (status.code() != Status::Code::kInvalidArgument)
      spdlog::error("stopped; run again to resume from the checkpoint");
  }
  FlushLogs();
  status_file.End(ExitCodeFor(status),
                  status.ok() ? "complete" : status.ToString());
  return ExitCodeFor(status);
}

}  // namespace cfm
