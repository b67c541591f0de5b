// cfmigrate collect: page through the image-list API and write urls.txt.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>

#include "cli.h"
#include "collector.h"
#include "commands.h"
#include "log.h"
#include "redact.h"
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
  o.max_pages = s.GetInt("API_MAX_PAGES");
  o.stall_pages = s.GetInt("API_STALL_PAGES");
  o.max_retries = static_cast<int>(s.GetInt("API_MAX_RETRIES"));
  o.retry_window_seconds = s.GetNumber("API_RETRY_WINDOW");
  return o;
}

// The totals: the API's count against the items that arrived, the
// expected URL count against the URLs written.
void CompareWithTotals(const CollectStats& st, int64_t expected_total) {
  if (st.api_total >= 0 && st.api_total != st.items)
    spdlog::warn("the API's total is {} but {} items arrived ({} {})",
                 st.api_total, st.items, std::llabs(st.api_total - st.items),
                 st.items < st.api_total ? "fewer" : "more");
  else if (st.api_total >= 0)
    spdlog::info("the API's total is {} and {} items arrived", st.api_total,
                 st.items);
  if (expected_total <= 0) return;
  double diff =
      std::fabs(static_cast<double>(st.urls_written - expected_total));
  if (diff > 0.001 * static_cast<double>(expected_total))
    spdlog::warn(
        "collected {} URLs but EXPECTED_TOTAL is {} (difference "
        "{:.2f}%)",
        st.urls_written, expected_total, 100.0 * diff / expected_total);
  else
    spdlog::info("collected {} URLs; EXPECTED_TOTAL is {}", st.urls_written,
                 expected_total);
}

// The closing account: items in, URLs out, and every skip by its reason
// with an example, so that the numbers explain each other.
void LogAccount(const CollectStats& st, const std::string& prefix) {
  std::string total =
      st.api_total >= 0 ? std::to_string(st.api_total) : "not given";
  spdlog::info(
      "API total {}, {} items seen in {} pages; {} duplicates, {} foreign, "
      "{} not URLs; {} unique URLs written ({} requests this run)",
      total, st.items, st.pages, st.duplicates.count, st.foreign.count,
      st.malformed.count, st.urls_written, st.requests);
  auto example = [](const char* what, const SkipTally& t) {
    if (t.count > 0) spdlog::info("  {} {}, e.g. {}", t.count, what, t.example);
  };
  example("duplicates (written once)", st.duplicates);
  std::string foreign = "foreign (not under SOURCE_URL_PREFIX " + prefix + ")";
  example(foreign.c_str(), st.foreign);
  example("not URLs (no http(s)://host where API_URL_FIELD points)",
          st.malformed);
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
  const Secret secret{options.auth_token, options.auth_style == "query"
                                              ? options.auth_query_param
                                              : ""};
  RedactLogs(secret);
  const std::atomic<int>* stop = InstallStopSignals();
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  Collector collector(options, http.get(), SystemClock(), stop);
  spdlog::info("collect: {} pagination from {}, rate limit {}/s, output {}",
               options.pagination.style,
               Redact(options.pagination.base_url, secret), options.rate_limit,
               options.output_file);
  SimpleStatusFile status_file(StatePath(settings, "status.json"), "collect");
  Status status = collector.Run();
  const CollectStats& st = collector.stats();
  status_file.Progress(static_cast<uint64_t>(st.urls_written), 0);
  if (status.code() != Status::Code::kInvalidArgument)
    LogAccount(st, options.source_url_prefix);
  if (status.ok() && st.max_pages_reached) {
    spdlog::warn(
        "stopped after API_MAX_PAGES={} pages as asked: the collection is "
        "NOT complete; run again to continue (API_MAX_PAGES=0 for all)",
        options.max_pages);
    FlushLogs();
    status_file.End(kExitFailures, "stopped after API_MAX_PAGES pages");
    return kExitFailures;
  }
  if (status.ok() && st.urls_written == 0) {
    spdlog::error(
        "the collection finished with no URL at all: check API_URL_FIELD and "
        "SOURCE_URL_PREFIX (see the counts above), and API_BASE_URL");
    FlushLogs();
    status_file.End(kExitConfig, "finished with no URL at all");
    return kExitConfig;
  }
  if (status.ok()) {
    CompareWithTotals(st, options.expected_total);
    spdlog::info("collection complete: {}", options.output_file);
  } else if (status.code() == Status::Code::kAborted) {
    spdlog::warn("interrupted; checkpoint saved, run again to resume");
  } else {
    // Our own stops say what to change; the code name would only be noise.
    bool ours = status.code() == Status::Code::kCorruption ||
                status.code() == Status::Code::kInvalidArgument;
    spdlog::error("{}", ours ? status.message() : status.ToString());
    if (status.code() == Status::Code::kCorruption)
      spdlog::error(
          "stopped; checkpoint saved: change what the message names, then "
          "run again to resume");
    else if (status.code() != Status::Code::kInvalidArgument)
      spdlog::error("stopped; checkpoint saved; run again to resume");
  }
  FlushLogs();
  status_file.End(ExitCodeFor(status),
                  status.ok() ? "complete" : status.ToString());
  return ExitCodeFor(status);
}

}  // namespace cfm
