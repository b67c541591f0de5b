// cfmigrate validate: prove the bucket holds every URL's object, intact, and
// write what is not as missing.txt (a valid input list for migrate).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include "cli.h"
#include "commands.h"
#include "credentials.h"
#include "log.h"
#include "status_file.h"
#include "validate_report.h"
#include "validate_s3.h"

namespace cfm {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Run {
  Settings settings;
  ValidateS3Config s3;
  std::unique_ptr<CredentialsProvider> provider;
  KeyMappingOptions mapping;
  ValidateReport report;
  int threads = 8;
  std::unique_ptr<SimpleStatusFile> status;  // STATE_DIR/status.json
};

// Endpoint and credentials; an exit code on failure, else -1.
int Connect(Run* run) {
  const Settings& s = run->settings;
  Result<S3Endpoint> endpoint = S3EndpointFromEnv(
      s.Get("AWS_REGION"), [](const char* n) { return std::getenv(n); });
  if (!endpoint.ok()) {
    spdlog::error("{}", endpoint.status().message());
    return kExitConfig;
  }
  run->s3.target = S3Target{*endpoint, s.Get("DESTINATION_BUCKET")};
  auto chain = NewDefaultCredentialsChain(RealCredentialsEnv());
  if (!chain.ok()) {
    spdlog::error("{}", chain.status().message());
    return kExitConfig;
  }
  run->provider = std::move(*chain);
  Result<AwsCredentials> creds = run->provider->Get();
  if (!creds.ok()) {
    spdlog::error("{}", creds.status().message());
    return kExitConfig;
  }
  CredentialsProvider* p = run->provider.get();
  run->s3.credentials = [p] { return p->Get(); };
  run->s3.refresh_credentials = [p] { return p->ForceRefresh(); };
  run->s3.source_timeout_ms =
      static_cast<long>(s.GetNumber("DOWNLOAD_TIMEOUT") * 1000);
  return -1;
}

// Lists the prefix into `index`, logging progress every 2 seconds.
Status ListBucket(Run* run, ListingIndex* index) {
  auto start = Clock::now();
  auto last_report = start;
  size_t listed = 0;
  ParallelListOptions o;
  o.prefix = run->report.prefix;
  o.workers = std::clamp(run->threads, 1, 32);
  const ValidateS3Config& s3 = run->s3;
  o.make_fetcher = [&s3, &o] { return NewS3PageFetcher(s3, o.prefix); };
  o.sink = [&](const std::vector<ListedEntry>& page) {
    for (const ListedEntry& e : page) index->Add(e.key, e.size, e.etag);
    listed += page.size();
    run->status->Progress(listed, 0);
    if (SecondsSince(last_report) >= 2) {
      last_report = Clock::now();
      spdlog::info("listing: {} objects so far, {:.0f} objects/s", listed,
                   listed / SecondsSince(start));
    }
  };
  spdlog::info("listing s3://{}/{} ({} streams)", s3.target.bucket, o.prefix,
               o.workers);
  Status st = ListInParallel(o);
  run->report.list_seconds = SecondsSince(start);
  if (st.ok()) {
    spdlog::info("listing: {} objects in {:.1f} s", listed,
                 run->report.list_seconds);
  }
  return st;
}

// The comparison passes and the checks; writes missing.txt.
Status Compare(Run* run, ListingIndex* index) {
  const Settings& s = run->settings;
  ValidateReport& r = run->report;
  auto start = Clock::now();
  Status st = ApplyCompleted(StatePath(s, "completed.txt"), index, &r.result);
  if (!st.ok()) return st;
  auto missing = ListFileWriter::Open(r.missing_path);
  if (!missing.ok()) return missing.status();
  DeepSampler sampler(r.deep_requested, r.deep_fraction, r.seed);
  std::unique_ptr<CheckPool> pool;
  if (r.etag_check || sampler.enabled()) {
    const ValidateS3Config& s3 = run->s3;
    pool =
        std::make_unique<CheckPool>(index, std::clamp(run->threads, 1, 64),
                                    [&s3] { return NewS3ObjectFetcher(s3); });
    auto started = Clock::now();
    pool->SetProgress([started](size_t done) {
      spdlog::info("checks: {} done, {:.0f}/s", done,
                   done / SecondsSince(started));
    });
  }
  st = CompareUrls(
      r.urls_file, run->mapping, index,
      [&](const std::string& url) { (*missing)->Add(url); },
      [&](size_t i, const std::string& url) {
        if (r.etag_check) pool->Submit(CheckPool::Kind::kEtag, i, url);
        sampler.Offer(i, url);
      },
      &r.result);
  if (!st.ok()) return st;
  r.compare_seconds = SecondsSince(start);
  if (pool) {
    auto checks = Clock::now();
    std::vector<DeepSampler::Sample> sample = sampler.Take();
    r.deep_sampled = sample.size();
    if (!sample.empty()) {
      spdlog::info("deep check: fetching {} objects from both ends (seed {})",
                   sample.size(), r.seed);
    }
    for (const auto& x : sample)
      pool->Submit(CheckPool::Kind::kDeep, x.index, x.url);
    pool->Finish();
    r.deep = pool->deep();
    r.etag = pool->etag();
    r.corrupt = pool->corrupt();
    r.check_errors = pool->errors();
    for (size_t i : pool->corrupt_indices()) index->SetFlag(i, kCorrupt);
    for (const CheckFinding& f : r.corrupt) (*missing)->Add(f.url);
    r.check_seconds = SecondsSince(checks);
  }
  CountExtras(*index, &r.result);
  r.missing_lines = (*missing)->lines();
  st = (*missing)->Commit();
  if (!st.ok() || r.missing_lines == 0) return st;
  return PruneCompleted(StatePath(s, "completed.txt"), *index,
                        &r.completed_pruned);
}

void Configure(Run* run) {
  const Settings& s = run->settings;
  ValidateReport& r = run->report;
  r.bucket = s.Get("DESTINATION_BUCKET");
  r.prefix = s.Get("DESTINATION_PREFIX");
  r.urls_file = s.Get("SOURCE_URLS_FILE");
  r.missing_path = StatePath(s, "missing.txt");
  r.deep_requested = static_cast<uint64_t>(s.GetInt("DEEP"));
  r.deep_fraction = s.GetNumber("DEEP_FRACTION");
  r.deep_enabled = r.deep_requested > 0 || r.deep_fraction > 0;
  r.etag_check = s.GetBool("ETAG_CHECK");
  r.seed = static_cast<uint64_t>(s.GetInt("SEED"));
  if (r.seed == 0) r.seed = std::random_device()() % 1000000000 + 1;
  run->mapping = KeyMappingOptions{s.Get("SOURCE_URL_PREFIX"), r.prefix,
                                   s.GetBool("PRESERVE_PATH_STRUCTURE")};
  run->threads =
      static_cast<int>(std::min<long long>(s.GetInt("CONCURRENCY"), 32));
}

int Finish(Run* run) {
  ValidateReport& r = run->report;
  std::string path = StatePath(run->settings, "validation_report.json");
  std::ofstream out(path, std::ios::trunc);
  out << ValidateReportJson(r).dump(2) << "\n";
  if (!out) spdlog::error("{}: could not write the report", path);
  PrintLines(ValidateSummary(r));
  spdlog::info("report written to {}", path);
  FlushLogs();
  run->status->End(ValidateExitCode(r), CompleteAndIntact(r)
                                            ? "complete and intact"
                                            : "NOT complete/intact");
  return ValidateExitCode(r);
}

}  // namespace

int RunValidate(const std::vector<std::string>& args) {
  Run run;
  if (auto code = PrepareCommand(kValidate, args, &run.settings)) return *code;
  const Settings& s = run.settings;
  // The lock matters here: validate rewrites completed.txt.
  std::unique_ptr<StateLock> lock;
  if (int code = OpenStateDir(s, kValidate, "validation.log", &lock); code >= 0)
    return code;
  Configure(&run);
  if (FILE* f = std::fopen(run.report.urls_file.c_str(), "r")) {
    std::fclose(f);
  } else {
    spdlog::error("SOURCE_URLS_FILE {} cannot be read", run.report.urls_file);
    return kExitConfig;
  }
  if (int code = Connect(&run); code >= 0) return code;
  run.status = std::make_unique<SimpleStatusFile>(StatePath(s, "status.json"),
                                                  "validate");
  ListingIndex index(run.report.prefix, run.report.etag_check);
  Status st = ListBucket(&run, &index);
  if (st.ok()) {
    index.Finish();
    st = Compare(&run, &index);
  }
  if (!st.ok()) {
    spdlog::error("validate: {}", st.ToString());
    FlushLogs();
    bool config = st.code() == Status::Code::kAuth ||
                  st.code() == Status::Code::kInvalidArgument ||
                  st.code() == Status::Code::kNotFound;
    run.status->End(config ? kExitConfig : kExitFailures,
                    "stopped: " + st.ToString());
    return config ? kExitConfig : kExitFailures;
  }
  return Finish(&run);
}

}  // namespace cfm
