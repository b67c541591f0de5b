// cfmigrate validate: prove the bucket holds every URL's object, intact, and
// write what is not as missing.txt (a valid input list for migrate).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "credentials.h"
#include "file_util.h"
#include "log.h"
#include "scale_out.h"
#include "status_file.h"
#include "stop_signals.h"
#include "url_list.h"
#include "validate_report.h"
#include "validate_s3.h"

namespace cfm {

extern const char kValidateHelpTail[] = R"(
What is checked, on every run, whatever earlier runs did:
  - each URL of SOURCE_URLS_FILE is mapped to its key as migrate maps it,
    and the key must be listed under DESTINATION_PREFIX in the bucket;
  - each present object's size must equal a size validate trusts: the size
    completed.txt recorded for that URL at that key in this bucket, else
    the source's Content-Length (a HEAD, min(CONCURRENCY, 32) at a time).
    With neither the object is "unverified", which is not intact;
  - an object an earlier validate found corrupt stays reported (its record
    became a "# wrong" marker) until migrate copies it again;
  - --deep N / --deep-fraction F: GET the sampled objects from both ends
    and compare size and MD5; --etag-check: HEAD every source URL and
    compare its plain-MD5 ETag with the ETag S3 lists.
Not checked without --deep or --etag-check: the bytes themselves. An object
overwritten with other bytes of the same size passes a plain validate.

Written: missing.txt (missing, wrong or unverified: a re-run can fix them;
a valid input list), gone.txt (URL TAB http 404/410/403: the source's
answer to the URL's last migrate attempt, per failed_transfers.txt and
failed_transfers.prev.txt; a re-run cannot fix them), validation_report.json.
Records of absent or wrong-sized objects are removed from completed.txt, a
corrupt object's record becomes a "# wrong" marker; records of other
buckets and prefixes are left alone.

RESULT: complete and intact                    exit 0: every expected object
                                               present and verified
RESULT: complete except N gone at the source   exit 1 (0 with --accept-gone)
RESULT: NOT complete/intact                    exit 1
)";

namespace {

// Progress and phase timings; the one clock, read through these two.
int64_t NowMs() { return SystemClock()->NowMs(); }

double SecondsSince(int64_t start_ms) {
  return static_cast<double>(NowMs() - start_ms) / 1000.0;
}

struct Run {
  Settings settings;
  ValidateS3Config s3;
  std::unique_ptr<CredentialsProvider> provider;
  KeyMappingOptions mapping;
  ValidateReport report;
  int threads = 8;
  std::unique_ptr<SimpleStatusFile> status;  // STATE_DIR/status.json
  ScaleOut scale_out;
  ShardTally shards;  // with STATE_URI: per shard, URLs and not intact
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
  auto start = NowMs();
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
      last_report = NowMs();
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

// The check pool, made when the first check is submitted.
class Checks {
 public:
  Checks(Run* run, const ListingIndex* index) : run_(run), index_(index) {}

  void Submit(CheckPool::Kind kind, size_t i, const std::string& url) {
    if (!pool_) Start();
    if (kind == CheckPool::Kind::kSize ||
        kind == CheckPool::Kind::kSizeAndEtag) {
      ++source_sizes_;
    }
    pool_->Submit(kind, i, url);
  }

  // Waits for every check and copies the results into the report and the
  // index's flags.
  void Finish(ListingIndex* index) {
    if (!pool_) return;
    pool_->Finish();
    ValidateReport& r = run_->report;
    r.deep = pool_->deep();
    r.etag = pool_->etag();
    r.source_size = pool_->size();
    r.corrupt = pool_->corrupt();
    r.check_errors = pool_->errors();
    r.source_size_mismatches = pool_->size_mismatches();
    const std::vector<uint8_t>& flags = pool_->result_flags();
    for (size_t i = 0; i < flags.size(); ++i) index->SetFlag(i, flags[i]);
    if (source_sizes_ > 0) {
      spdlog::info("source sizes: {} HEADs done in {:.1f} s", source_sizes_,
                   SecondsSince(started_));
    }
  }

 private:
  void Start() {
    int threads = std::clamp(run_->threads, 1, 64);
    const ValidateS3Config& s3 = run_->s3;
    pool_ = std::make_unique<CheckPool>(
        index_, threads, [&s3] { return NewS3ObjectFetcher(s3); });
    started_ = NowMs();
    auto started = started_;
    pool_->SetProgress([started](size_t done) {
      spdlog::info("checks: {} done, {:.0f}/s", done,
                   done / SecondsSince(started));
    });
    spdlog::info(
        "checking at the source, {} at a time (HEAD for the size of each "
        "object no record vouches for{}{})",
        threads, run_->report.etag_check ? ", HEAD for --etag-check" : "",
        run_->report.deep_enabled ? ", GETs for --deep" : "");
  }

  Run* run_;
  const ListingIndex* index_;
  std::unique_ptr<CheckPool> pool_;
  size_t source_sizes_ = 0;
  int64_t started_ = 0;
};

// Passes 1 and 2 and the checks: every present object ends up verified,
// wrong or unverified in the index's flags.
Status Judge(Run* run, ListingIndex* index, GoneUrls* gone) {
  const Settings& s = run->settings;
  ValidateReport& r = run->report;
  std::vector<std::string> failure_lists = {
      StatePath(s, "failed_transfers.prev.txt"),
      StatePath(s, "failed_transfers.txt")};
  if (run->scale_out.state)  // every shard's, merged by MergeShardRecords
    failure_lists.push_back(StatePath(s, kUnionFailedFile));
  Status st = LoadGoneUrls(failure_lists, gone);
  if (!st.ok()) return st;
  RecordedObjects records(*index);
  st = ApplyCompleted(StatePath(s, "completed.txt"), r.bucket, index, &records,
                      gone, &r.result);
  if (!st.ok()) return st;
  DeepSampler sampler(r.deep_requested, r.deep_fraction, r.seed);
  Checks checks(run, index);
  st = CompareUrls(
      r.urls_file, run->mapping, index, records,
      [&](size_t i, const std::string& url, bool needs_size) {
        if (needs_size) {
          checks.Submit(r.etag_check ? CheckPool::Kind::kSizeAndEtag
                                     : CheckPool::Kind::kSize,
                        i, url);
        } else if (r.etag_check) {
          checks.Submit(CheckPool::Kind::kEtag, i, url);
        }
        sampler.Offer(i, url);
      },
      &r.result);
  if (!st.ok()) return st;
  std::vector<DeepSampler::Sample> sample = sampler.Take();
  r.deep_sampled = sample.size();
  if (!sample.empty()) {
    spdlog::info("deep check: fetching {} objects from both ends (seed {})",
                 sample.size(), r.seed);
  }
  for (const auto& x : sample) {
    checks.Submit(CheckPool::Kind::kDeep, x.index, x.url);
  }
  checks.Finish(index);
  return Status::OK();
}

// The comparison passes and the checks; writes missing.txt and gone.txt
// and prunes completed.txt.
Status Compare(Run* run, ListingIndex* index) {
  ValidateReport& r = run->report;
  auto start = NowMs();
  GoneUrls gone;
  Status st = Judge(run, index, &gone);
  if (!st.ok()) return st;
  r.compare_seconds = SecondsSince(start);
  CountExtras(*index, &r.result);
  // From here files change: a signal is only counted, and RunValidate
  // reports it once every result is written.
  InstallStopSignals();
  auto missing = ListFileWriter::Open(r.missing_path);
  if (!missing.ok()) return missing.status();
  auto gone_list = ListFileWriter::Open(r.gone_path);
  if (!gone_list.ok()) return gone_list.status();
  st = ReportUrls(
      r.urls_file, run->mapping, index, gone,
      [&](const std::string& url) {
        (*missing)->Add(url);
        run->shards.NotIntact(url, run->mapping);
      },
      [&](const std::string& url, const std::string& reason) {
        (*gone_list)->Add(url + "\t" + reason);
        run->shards.NotIntact(url, run->mapping);
      },
      &r.result);
  if (!st.ok()) return st;
  r.missing_lines = (*missing)->lines();
  r.gone_lines = (*gone_list)->lines();
  st = (*missing)->Commit();
  if (st.ok()) st = (*gone_list)->Commit();
  if (!st.ok()) return st;
  return PruneCompleted(StatePath(run->settings, "completed.txt"), r.bucket,
                        *index, &r.completed_pruned);
}

void Configure(Run* run) {
  const Settings& s = run->settings;
  ValidateReport& r = run->report;
  r.bucket = s.Get("DESTINATION_BUCKET");
  r.prefix = s.Get("DESTINATION_PREFIX");
  r.urls_file = s.Get("SOURCE_URLS_FILE");
  r.missing_path = StatePath(s, "missing.txt");
  r.gone_path = StatePath(s, "gone.txt");
  r.accept_gone = s.GetBool("ACCEPT_GONE");
  r.deep_requested = static_cast<uint64_t>(s.GetInt("DEEP"));
  r.deep_fraction = s.GetNumber("DEEP_FRACTION");
  r.deep_enabled = r.deep_requested > 0 || r.deep_fraction > 0;
  r.etag_check = s.GetBool("ETAG_CHECK");
  r.seed = static_cast<uint64_t>(s.GetInt("SEED"));
  if (r.seed == 0) r.seed = std::random_device()() % 1000000000 + 1;
  run->mapping = KeyMappingOptions{s.Get("SOURCE_URL_PREFIX"), r.prefix,
                                   s.GetBool("PRESERVE_PATH_STRUCTURE")};
  // CONCURRENCY=auto adapts migrate's transfers; validate's HEADs use 32.
  run->threads =
      s.Get("CONCURRENCY") == "auto"
          ? 32
          : static_cast<int>(std::min<long long>(s.GetInt("CONCURRENCY"), 32));
}

int Finish(Run* run) {
  ValidateReport& r = run->report;
  std::string path = StatePath(run->settings, "validation_report.json");
  nlohmann::json j = ValidateReportJson(r);
  if (run->shards.count > 1) j["shards"] = run->shards.Json();
  Status st = WriteFileAtomically(path, j.dump(2) + "\n", kSharedFileMode);
  PrintLines(run->shards.Lines());
  PrintLines(ValidateSummary(r));
  if (!st.ok()) {
    // Without its report a verdict cannot be relied on: never exit 0.
    spdlog::error("validation report not written: {}", st.ToString());
    FlushLogs();
    run->status->End(kExitFailures, "stopped: " + st.ToString());
    return kExitFailures;
  }
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
  if (int code = ResolveScaleOut(s, "validate", &run.scale_out); code >= 0)
    return code;
  if (run.scale_out.shard.split()) {
    std::fprintf(stderr,
                 "cfmigrate validate: checks the whole list; run it once "
                 "with SHARD_COUNT=1 (--shard-count 1), with STATE_URI to "
                 "use the records of every shard\n");
    return kExitConfig;
  }
  // The lock matters here: validate rewrites completed.txt.
  std::unique_ptr<StateLock> lock;
  if (int code = OpenStateDir(s, kValidate, "validation.log", &lock); code >= 0)
    return code;
  Configure(&run);
  if (int code = ConnectScaleOut(s, &run.scale_out); code >= 0) return code;
  if (IsRemoteList(run.report.urls_file)) {
    // Opened (HEAD, ETag recorded) by the first pass; errors surface there.
  } else if (FILE* f = std::fopen(run.report.urls_file.c_str(), "r")) {
    std::fclose(f);
  } else {
    spdlog::error("SOURCE_URLS_FILE {} cannot be read", run.report.urls_file);
    return kExitConfig;
  }
  if (int code = Connect(&run); code >= 0) return code;
  if (int code = MergeShardRecords(run.scale_out, s, run.report.urls_file,
                                   run.mapping, &run.shards);
      code >= 0)
    return code;
  run.status = std::make_unique<SimpleStatusFile>(StatePath(s, "status.json"),
                                                  "validate");
  ListingIndex index(run.report.prefix, run.report.etag_check);
  // Until the results are written a signal ends validate at once: nothing
  // it wrote before (status.json aside) has changed.
  SetStartupPhase("validating (listing the bucket, checking the objects)");
  Status st = ListBucket(&run, &index);
  if (st.ok()) {
    index.Finish();
    st = Compare(&run, &index);
  }
  if (st.ok() && run.report.result.counts.url_lines == 0) {
    spdlog::error("SOURCE_URLS_FILE {} holds no URL; nothing to validate",
                  run.report.urls_file);
    FlushLogs();
    run.status->End(kExitConfig, "stopped: no URL in the list");
    return kExitConfig;
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
  int code = Finish(&run);
  if (InstallStopSignals()->load() > 0) {
    spdlog::warn("interrupted while writing the results; they are complete");
    FlushLogs();
    return kExitInterrupted;
  }
  return code;
}

}  // namespace cfm
