// The table of every setting. Names are part of the contract (docs/design.md).
#include "settings.h"

namespace cfm {
namespace {

using K = SettingKind;
constexpr unsigned kMV = kMigrate | kValidate;

SettingSpec Spec(const char* name, const char* def, unsigned commands, K kind,
                 const char* help) {
  SettingSpec s{};
  s.name = name;
  s.default_value = def;
  s.commands = commands;
  s.kind = kind;
  s.help = help;
  return s;
}

SettingSpec Range(SettingSpec s, double min, double max) {
  s.min = min;
  s.max = max;
  return s;
}

SettingSpec Choices(SettingSpec s, const char* choices) {
  s.choices = choices;
  return s;
}

SettingSpec Required(SettingSpec s) {
  s.required = true;
  return s;
}

SettingSpec FlagOnly(SettingSpec s) {
  s.flag_only = true;
  return s;
}

std::vector<SettingSpec> BuildTable() {
  return {
      // Shared.
      Spec("SOURCE_URL_PREFIX", "https://d278yjzsv5tla9.cloudfront.net/",
           kAllCommands, K::kUrl, "URLs outside this prefix are malformed"),
      Spec("STATE_DIR", ".", kAllCommands, K::kString,
           "where state and log files live"),
      Choices(Spec("LOG_LEVEL", "INFO", kAllCommands, K::kEnum,
                   "console and log file verbosity"),
              "TRACE|DEBUG|INFO|WARN|ERROR"),
      // Phase 0: collect.
      Required(Spec("API_BASE_URL", "", kCollect, K::kUrl,
                    "first request of the image-list API")),
      Spec("API_AUTH_TOKEN", "", kCollect, K::kString, "API token"),
      Choices(Spec("API_AUTH_STYLE", "bearer", kCollect, K::kEnum,
                   "how the token is sent"),
              "bearer|header|query|none"),
      Spec("API_AUTH_HEADER", "X-API-Key", kCollect, K::kString,
           "header name for API_AUTH_STYLE=header"),
      Spec("API_AUTH_QUERY_PARAM", "api_key", kCollect, K::kString,
           "query parameter for API_AUTH_STYLE=query"),
      Range(Spec("API_RATE_LIMIT", "10", kCollect, K::kNumber,
                 "requests per second (0: unlimited)"),
            0, 100000),
      Range(Spec("RESULTS_PER_PAGE", "100", kCollect, K::kInt,
                 "page size asked of the API"),
            1, 100000),
      Choices(Spec("API_PAGINATION", "page", kCollect, K::kEnum,
                   "pagination style"),
              "page|offset|cursor|next_url|link_header"),
      Spec("API_PAGE_PARAM", "page", kCollect, K::kString,
           "page-number query parameter"),
      Range(Spec("API_PAGE_START", "1", kCollect, K::kInt,
                 "number of the first page"),
            0, 1e9),
      Spec("API_PAGE_SIZE_PARAM", "per_page", kCollect, K::kString,
           "page-size query parameter"),
      Spec("API_OFFSET_PARAM", "offset", kCollect, K::kString,
           "offset query parameter"),
      Spec("API_CURSOR_PARAM", "cursor", kCollect, K::kString,
           "cursor query parameter"),
      Spec("API_ITEMS_PATH", "", kCollect, K::kString,
           "JSON path of the item list (empty: the body is the list)"),
      Spec("API_URL_FIELD", "url", kCollect, K::kString,
           "JSON path of the URL inside an item (a[].b walks arrays)"),
      Spec("API_NEXT_CURSOR_PATH", "next_cursor", kCollect, K::kString,
           "JSON path of the next cursor"),
      Spec("API_NEXT_URL_PATH", "next", kCollect, K::kString,
           "JSON path of the next page's URL"),
      Spec("API_TOTAL_PATH", "", kCollect, K::kString,
           "JSON path of the total item count"),
      Range(Spec("EXPECTED_TOTAL", "0", kCollect, K::kInt,
                 "expected number of URLs (0: unknown)"),
            0, 1e12),
      Spec("OUTPUT_FILE", "urls.txt", kCollect, K::kString,
           "where collected URLs are written"),
      Range(Spec("CHECKPOINT_INTERVAL", "10000", kCollect, K::kInt,
                 "URLs between checkpoints"),
            1, 1e9),
      Range(Spec("API_MAX_PAGES", "0", kCollect, K::kInt,
                 "stop after this many pages this run, for a sample; exit 1 "
                 "(0: no limit)"),
            0, 1e12),
      Range(Spec("API_STALL_PAGES", "20", kCollect, K::kInt,
                 "stop when this many pages in a row add no new URL (0: "
                 "never)"),
            0, 1e9),
      Range(Spec("API_MAX_RETRIES", "3", kCollect, K::kInt,
                 "retries of a failed request before API_RETRY_WINDOW counts"),
            0, 100),
      Range(Spec("API_RETRY_WINDOW", "900", kCollect, K::kNumber,
                 "seconds of continuous API failure to ride out before "
                 "stopping"),
            0, 604800),
      // Phase 1: migrate (and validate, which reads the same list).
      Spec("SOURCE_URLS_FILE", "urls.txt", kMigrate | kValidate | kDetectRegion,
           K::kString, "input list, one URL a line"),
      Required(Spec("DESTINATION_BUCKET", "", kMV, K::kBucket,
                    "destination S3 bucket")),
      Spec("DESTINATION_PREFIX", "images/", kMV, K::kString,
           "key prefix in the bucket"),
      Spec("PRESERVE_PATH_STRUCTURE", "false", kMV, K::kBool,
           "keep the URL path in the key instead of the file name"),
      Spec("AWS_REGION", "us-west-2", kMV, K::kString,
           "region of the destination bucket"),
      Choices(Range(Spec("CONCURRENCY", "auto", kMV, K::kInt,
                         "transfers in flight; auto: found while running, "
                         "at most MAX_CONCURRENCY (validate: 32)"),
                    1, 5000),
              "auto"),
      Range(Spec("MAX_CONCURRENCY", "1000", kMigrate, K::kInt,
                 "ceiling for CONCURRENCY=auto"),
            1, 5000),
      Range(Spec("MAX_RETRIES", "3", kMigrate, K::kInt,
                 "retries per object after the first attempt"),
            0, 100),
      Range(Spec("DOWNLOAD_TIMEOUT", "30", kMV, K::kNumber,
                 "seconds to receive one source answer (per GET)"),
            0.1, 86400),
      Range(Spec("UPLOAD_TIMEOUT", "60", kMigrate, K::kNumber,
                 "seconds per PUT; streamed from the source, seconds S3 may"
                 " take after its last byte"),
            0.1, 86400),
      Spec("S3_ACL", "bucket-owner-full-control", kMigrate, K::kString,
           "canned ACL sent with each PUT (empty: none)"),
      Spec("REJECT_CONTENT_TYPES", "text/html", kMigrate, K::kString,
           "a source 200 of these media types (comma list, type/* allowed)"
           " is an error page and fails; empty: no check"),
      Choices(Spec("CHECKSUM", "auto", kMigrate, K::kEnum,
                   "integrity header: auto uses the source MD5 ETag, else "
                   "CRC32C"),
              "auto|md5|crc32c|none"),
      Choices(Spec("SOURCE_HTTP_VERSION", "1.1", kMigrate, K::kEnum,
                   "HTTP version of the GETs to the source (Range GETs of "
                   "large objects included): 1.1 (one connection per "
                   "transfer; 6-19 % less client CPU per file than HTTP/2 "
                   "on the benchmark rig, bench/RESULTS.md) or 2 (offered "
                   "by ALPN, HTTP/1.1 if refused)"),
              "1.1|2"),
      Range(Spec("THREADS", "0", kMigrate, K::kInt,
                 "event loops (0: one per core, at most 4)"),
            0, 64),
      // Scale-out (docs/scale-out.md).
      Range(Spec("SHARD_COUNT", "1", kMV, K::kInt,
                 "workers the list is split over; this one copies the URLs "
                 "whose key hashes to SHARD_INDEX"),
            1, 100000),
      Spec("SHARD_INDEX", "", kMV, K::kString,
           "this worker's shard, 0 to SHARD_COUNT-1 (default: "
           "AWS_BATCH_JOB_ARRAY_INDEX, else JOB_COMPLETION_INDEX, else 0)"),
      Spec("STATE_URI", "", kMV, K::kString,
           "s3://bucket/prefix/ to keep each shard's state in (restored "
           "into an empty STATE_DIR); empty: STATE_DIR only"),
      FlagOnly(Spec("DRY_RUN", "false", kMigrate, K::kBool,
                    "map keys and check the input without contacting S3")),
      FlagOnly(Range(Spec("SAMPLE", "0", kMigrate, K::kInt,
                          "with --dry-run: HEAD N random source URLs"),
                     0, 100000)),
      // Validate.
      FlagOnly(Range(Spec("DEEP", "0", kValidate, K::kInt,
                          "compare the bytes of N random objects"),
                     0, 1e12)),
      FlagOnly(Range(Spec("DEEP_FRACTION", "0", kValidate, K::kNumber,
                          "compare the bytes of this fraction of objects"),
                     0, 1)),
      FlagOnly(Spec("ETAG_CHECK", "false", kValidate, K::kBool,
                    "HEAD every source URL and compare its MD5 ETag with the "
                    "listed S3 ETag")),
      FlagOnly(Spec("ACCEPT_GONE", "false", kValidate, K::kBool,
                    "exit 0 when all that is missing is gone at the source "
                    "(still listed in gone.txt)")),
      FlagOnly(Range(Spec("SEED", "0", kValidate, K::kInt,
                          "random seed for --deep (0: pick one)"),
                     0, 1e18)),
      // detect-region.
      FlagOnly(Spec("URL", "", kDetectRegion, K::kString,
                    "URL to probe instead of the first of urls.txt")),
  };
}

}  // namespace

const std::vector<SettingSpec>& AllSettings() {
  static const std::vector<SettingSpec> table = BuildTable();
  return table;
}

}  // namespace cfm
