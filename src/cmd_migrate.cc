// cfmigrate migrate: copy every URL of the input list into S3.
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "cli.h"
#include "commands.h"
#include "completed_log.h"
#include "concurrency_auto.h"
#include "credentials.h"
#include "dry_run.h"
#include "failure_tally.h"
#include "live_view.h"
#include "log.h"
#include "migrate_context.h"
#include "migrate_run.h"
#include "progress.h"
#include "result_sink.h"
#include "run_monitor.h"
#include "scale_out.h"
#include "source_answer.h"
#include "status_file.h"
#include "stop_signals.h"
#include "transfer_loop.h"
#include "url_set.h"
#include "work_feed.h"

namespace cfm {
namespace {

ChecksumMode ParseChecksum(const std::string& v) {
  if (v == "md5") return ChecksumMode::kMd5;
  if (v == "crc32c") return ChecksumMode::kCrc32c;
  if (v == "none") return ChecksumMode::kNone;
  return ChecksumMode::kAuto;
}

EngineOptions OptionsFrom(const Settings& s) {
  EngineOptions o;
  int threads = static_cast<int>(s.GetInt("THREADS"));
  if (threads == 0)
    threads =
        std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
  o.threads = threads;
  o.max_retries = static_cast<int>(s.GetInt("MAX_RETRIES"));
  o.download_timeout_ms =
      static_cast<long>(s.GetNumber("DOWNLOAD_TIMEOUT") * 1000);
  o.upload_timeout_ms = static_cast<long>(s.GetNumber("UPLOAD_TIMEOUT") * 1000);
  o.checksum = ParseChecksum(s.Get("CHECKSUM"));
  o.acl = s.Get("S3_ACL");
  o.tls = TlsTrustFromEnv(std::getenv);
  o.source_http2 = s.Get("SOURCE_HTTP_VERSION") == "2";
  o.reject_types = ParseMediaTypeList(s.Get("REJECT_CONTENT_TYPES"));
  return o;
}

// CONCURRENCY=auto (null otherwise): the controller starts at 150, at most
// MAX_CONCURRENCY and a memory bound of a quarter of the machine's memory
// at 1 MiB per transfer.
std::unique_ptr<AutoConcurrency> MakeAutoConcurrency(const Settings& s) {
  if (s.Get("CONCURRENCY") != "auto") return nullptr;
  AutoConcurrency::Options o;
  o.max = static_cast<int>(s.GetInt("MAX_CONCURRENCY"));
  o.memory_bound_bytes =
      int64_t{sysconf(_SC_PHYS_PAGES)} * sysconf(_SC_PAGESIZE) / 4;
  return std::make_unique<AutoConcurrency>(o, SystemClock());
}

struct Files {
  std::string list, completed, failed, report;
  std::string bucket;  // records count only for this destination bucket
};

// Everything before the first transfer; returns an exit code to stop with,
// or -1 to go on with `*scan` and `*done` filled.
// A dry run goes on with collisions: it reports them.
int Prepare(const KeyMappingOptions& mapping, Files* f, CollisionReport* scan,
            UrlSet* done, uint64_t* already_done, bool dry_run,
            const ShardSpec& shard) {
  // completed.txt loads on a second thread while the list is scanned: both
  // are on the way to the first transfer.
  Status loaded;
  std::thread loader([&] {
    loaded = LoadCompleted(f->completed, [&](const CompletedRecord& r) {
      if (RecordCountsFor(r, f->bucket) && done->Insert(RecordId(r.url, r.key)))
        ++*already_done;
    });
  });
  // Every shard scans the whole list: collisions span shards.
  Result<CollisionReport> scanned = ScanForCollisions(
      f->list, mapping, [&shard](std::string_view k) { return shard.Owns(k); });
  loader.join();
  if (!scanned.ok()) {
    spdlog::error("SOURCE_URLS_FILE {}: {}", f->list,
                  scanned.status().message());
    return kExitConfig;
  }
  if (!loaded.ok()) {
    spdlog::error("{}", loaded.ToString());
    return kExitConfig;
  }
  *scan = std::move(*scanned);
  // The dry run reports an empty list and collisions itself.
  if (scan->unique_urls == 0 &&
      !dry_run) {  // an empty list is a failed collect
    spdlog::error("SOURCE_URLS_FILE {} holds no URL ({} lines); nothing to do",
                  f->list, scan->urls);
    return kExitConfig;
  }
  if (scan->collisions > 0 && !dry_run) {
    spdlog::error(
        "{} would be written by more than one URL ({}); nothing was "
        "uploaded. Examples:",
        Plural(scan->collisions, "key"), Plural(scan->colliding_urls, "URL"));
    for (const KeyCollision& c : scan->examples)
      spdlog::error("  {} <- {} and {}", c.key, c.first_url, c.second_url);
    spdlog::error(
        "Set PRESERVE_PATH_STRUCTURE=true (--preserve-path-structure)"
        " to keep each URL's path in its key.");
    return kExitConfig;
  }
  done->Reserve(scan->unique_urls);
  return -1;
}

// Builds the S3 side: endpoint and credentials. Exit code or -1.
int ConnectS3(const Settings& s, MigrateContext* ctx,
              std::unique_ptr<CredentialsProvider>* provider) {
  Result<S3Endpoint> endpoint = S3EndpointFromEnv(
      s.Get("AWS_REGION"), [](const char* n) { return std::getenv(n); });
  if (!endpoint.ok()) {
    spdlog::error("{}", endpoint.status().message());
    return kExitConfig;
  }
  ctx->s3.target = S3Target{*endpoint, s.Get("DESTINATION_BUCKET")};
  auto chain = NewDefaultCredentialsChain(RealCredentialsEnv());
  if (!chain.ok()) {
    spdlog::error("{}", chain.status().message());
    return kExitConfig;
  }
  *provider = std::move(*chain);
  Result<AwsCredentials> creds = (*provider)->Get();
  if (!creds.ok()) {
    spdlog::error("{}", creds.status().message());
    return kExitConfig;
  }
  CredentialsProvider* p = provider->get();
  ctx->s3.credentials = [p] { return p->Get(); };
  ctx->s3.refresh_credentials = [p] { return p->ForceRefresh(); };
  return -1;
}

// The run's record files: completed.txt, appended to, and this run's failed
// list (last run's moved aside first).
struct ResultFiles {
  std::string list;  // the input list (moved when it was the failed list)
  std::unique_ptr<CompletedLog> completed;
  std::unique_ptr<AppendOnlyFile> failed;
};

// Opens them; an exit code after logging why, or -1 with `out` filled.
int OpenResultFiles(const Files& f, ResultFiles* out) {
  Result<std::string> list = RotateFailedList(f.failed, f.list);
  auto completed = CompletedLog::Open(f.completed, f.bucket);
  auto failed = list.ok()
                    ? OpenFailedList(f.failed)
                    : Result<std::unique_ptr<AppendOnlyFile>>(list.status());
  if (!completed.ok() || !failed.ok()) {
    spdlog::error(
        "{}",
        (!completed.ok() ? completed.status() : failed.status()).ToString());
    return kExitConfig;
  }
  out->list = std::move(*list);
  out->completed = std::move(*completed);
  out->failed = std::move(*failed);
  return -1;
}

// The line that says what the run is about to do. completed.txt may hold
// URLs of other lists too, so how many of this list are done is known only
// as the feed reads it.
void LogStart(const Settings& s, const ShardSpec& shard, const Files& f,
              const CollisionReport& scan, uint64_t already_done,
              bool auto_limit, const MigrateContext& ctx) {
  const uint64_t total = scan.shard_unique_urls;
  spdlog::info(
      "migrate{}: {}; {} holds {}, those of this list are skipped; copying "
      "to s3://{}/{} ({}{} in flight, {})",
      shard.split() ? " (" + shard.Label() + ")" : "",
      shard.split() ? Plural(total, "unique URL") + " of this shard (" +
                          std::to_string(scan.unique_urls) + " in the list)"
                    : Plural(total, "unique URL"),
      f.completed, Plural(already_done, "record"), s.Get("DESTINATION_BUCKET"),
      s.Get("DESTINATION_PREFIX"), auto_limit ? "auto: at first " : "",
      ctx.limit->limit(), Plural(ctx.options.threads, "loop"));
}

// What the run did, once the loops have stopped, and the exit code it
// earns: 130 interrupted, 2 stopped by an error, 1 some failed, else 0.
// Times are the caller's to fill.
RunSummary Summarize(const CollisionReport& scan, const ShardSpec& shard,
                     const ResultSink& sink, const WorkFeed& feed,
                     uint64_t already_done, bool interrupted) {
  RunSummary sum;
  sum.lines = scan.urls;
  sum.unique = scan.shard_unique_urls;
  if (shard.split()) sum.shard = shard.Label();
  sum.skipped = std::min<uint64_t>(feed.skipped(), already_done);
  sum.succeeded = sink.succeeded();
  sum.failed = sink.failed();
  sum.malformed = sink.malformed();
  sum.bytes = sink.bytes();
  sum.interrupted = interrupted;
  sum.stop_reason = sink.stop_message();
  if (!feed.status().ok()) sum.stop_reason = feed.status().ToString();
  sum.exit_code = sum.interrupted                ? kExitInterrupted
                  : !sum.stop_reason.empty()     ? kExitConfig
                  : (sum.failed + sum.malformed) ? kExitFailures
                                                 : kExitOk;
  return sum;
}

}  // namespace

int RunMigrate(const std::vector<std::string>& args) {
  // Image bodies are mmapped and unmapped as whole blocks instead of being
  // carved from per-thread heaps that never shrink; the loops keep a small
  // pool of spare buffers, so this costs no extra page faults in steady
  // state and keeps resident memory close to the bytes really in flight.
  mallopt(M_MMAP_THRESHOLD, 256 << 10);
  Settings s;
  if (auto code = PrepareCommand(kMigrate, args, &s)) return *code;
  if (s.GetInt("SAMPLE") > 0 && !s.GetBool("DRY_RUN")) {
    std::fprintf(stderr,
                 "cfmigrate migrate: --sample only goes with --dry-run "
                 "(nothing was started)\n");
    return kExitConfig;
  }
  ScaleOut so;
  if (int code = ResolveScaleOut(s, "migrate", &so); code >= 0) return code;
  std::unique_ptr<StateLock> lock;
  if (int code = OpenStateDir(s, kMigrate, "migration.log", &lock); code >= 0)
    return code;
  if (int code = ConnectScaleOut(s, &so); code >= 0) return code;
  Files f{s.Get("SOURCE_URLS_FILE"), StatePath(s, "completed.txt"),
          StatePath(s, "failed_transfers.txt"),
          StatePath(s, "migration_report.json"), s.Get("DESTINATION_BUCKET")};
  KeyMappingOptions mapping{s.Get("SOURCE_URL_PREFIX"),
                            s.Get("DESTINATION_PREFIX"),
                            s.GetBool("PRESERVE_PATH_STRUCTURE")};
  const bool dry_run = s.GetBool("DRY_RUN");
  std::unique_ptr<AutoConcurrency> auto_limit = MakeAutoConcurrency(s);
  int64_t start = SystemClock()->NowMs();
  const int64_t started_at = SystemClock()->WallSeconds();
  CollisionReport scan;
  auto done = std::make_unique<UrlSet>();
  uint64_t already_done = 0;
  if (!dry_run)
    if (int code = RestoreShardState(so, f.completed); code >= 0) return code;
  SetStartupPhase("loading " + f.completed + " and scanning " + f.list);
  if (int code = Prepare(mapping, &f, &scan, done.get(), &already_done, dry_run,
                         so.shard);
      code >= 0)
    return code;
  // This worker's part of the list (all of it with one shard).
  const uint64_t total = scan.shard_unique_urls;
  if (dry_run) {
    DryRunOptions o;
    o.list_path = f.list;
    o.mapping = mapping;
    o.already_done = already_done;
    o.sample = static_cast<int>(s.GetInt("SAMPLE"));
    o.concurrency = auto_limit ? auto_limit->limit()
                               : static_cast<int>(s.GetInt("CONCURRENCY"));
    EngineOptions engine = OptionsFrom(s);  // the sample asks as a run would
    o.reject_types = engine.reject_types;
    o.source_ca_file = engine.tls.source_ca_file;
    return DryRun(o, scan);
  }

  MigrateContext ctx;
  ctx.options = OptionsFrom(s);
  ctx.limit = std::make_unique<ConcurrencyLimit>(static_cast<int>(
      s.GetInt(auto_limit ? "MAX_CONCURRENCY" : "CONCURRENCY")));
  if (auto_limit) ctx.limit->Set(auto_limit->limit());
  std::unique_ptr<CredentialsProvider> provider;
  SetStartupPhase("getting AWS credentials");
  if (int code = ConnectS3(s, &ctx, &provider); code >= 0) return code;
  if (int code = CheckListVersion(so, f.list); code >= 0) return code;
  // From here on state changes: a signal stops the run in order.
  const std::atomic<int>* stop_signals = InstallStopSignals();
  ResultFiles files;
  if (int code = OpenResultFiles(f, &files); code >= 0) return code;
  ResultSink sink(files.completed.get(), files.failed.get());
  WorkFeed feed(files.list, mapping, done.get(), &sink,
                static_cast<size_t>(ctx.limit->max()) * 4 + 64);
  if (so.shard.split())
    feed.SetShard([&so](std::string_view k) { return so.shard.Owns(k); },
                  [&so](std::string_view url) { return so.shard.Owns(url); });
  ctx.feed = &feed;
  ctx.sink = &sink;
  LogStart(s, so.shard, f, scan, already_done, auto_limit != nullptr, ctx);
  feed.Start();
  std::atomic<int> loops_running{ctx.options.threads};
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(ctx.options.threads));
  for (int i = 0; i < ctx.options.threads; ++i)
    threads.emplace_back([&] {
      TransferLoop(&ctx).Run();
      loops_running--;
    });
  LiveView view("migrate", StatePath(s, "status.json"), f.failed, start,
                started_at);
  if (so.shard.split()) view.set_shard(so.shard.Label());
  std::unique_ptr<ObjectStore> state_store;
  std::unique_ptr<StateSync> sync =
      StartStateSync(so, s, started_at, &state_store);
  RunMonitor::Parts parts;
  parts.clock = ctx.clock;
  parts.run = &ctx.run;
  parts.stop_signals = stop_signals;
  parts.sink = &sink;
  parts.limit = ctx.limit.get();
  parts.auto_limit = auto_limit.get();
  parts.view = &view;
  parts.stop_feed = [&feed] { feed.Stop(); };
  parts.feed_skipped = [&feed] { return feed.skipped(); };
  parts.working = [&] { return loops_running.load() > 0; };
  parts.total = total;
  parts.already_done = already_done;
  RunMonitor monitor(std::move(parts));
  monitor.Run();
  for (std::thread& t : threads) t.join();
  feed.Stop();
  (void)sink.Sync();

  RunSummary sum = Summarize(scan, so.shard, sink, feed, already_done,
                             stop_signals->load() > 0);
  sum.elapsed_seconds = (SystemClock()->NowMs() - start) / 1000.0;
  sum.started_at = started_at;
  if (Status st = view.Finish(SystemClock()->NowMs(), monitor.Figures(),
                              sum.exit_code, Outcome(sum));
      !st.ok())
    spdlog::error("{}", st.ToString());
  if (!sum.stop_reason.empty())
    spdlog::error("run stopped: {}", sum.stop_reason);
  spdlog::info(FormatSummary(sum));
  LogFailureAdvice(sum, view.failures().by_reason(), f.failed,
                   StatePath(s, "retry_urls.txt"), args);
  if (sum.interrupted)
    spdlog::info("state saved; run the same command to resume");
  if (Status st = WriteReport(f.report, sum, s); !st.ok())
    spdlog::error("{}", st.ToString());
  sum.exit_code = FinishStateSync(so, sync.get(), f.report, sum.exit_code);
  FlushLogs();
  return sum.exit_code;
}

}  // namespace cfm
