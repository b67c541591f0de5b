#include "scale_out.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include "cli.h"
#include "clock.h"
#include "failure_tally.h"
#include "status_file.h"
#include "status_union.h"
#include "stop_signals.h"
#include "url_list.h"
#include "url_set.h"

namespace cfm {
namespace {

const char* GetEnv(const char* name) { return std::getenv(name); }

bool EmptyFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) != 0 || st.st_size == 0;
}

}  // namespace

std::string ScaleOut::ShardPrefix() const {
  return state->key + shard.Folder() + "/";
}

std::unique_ptr<ObjectStore> ScaleOut::NewStateStore() const {
  return NewS3ObjectStore(access, state->bucket);
}

int ResolveScaleOut(const Settings& s, const char* command, ScaleOut* out) {
  Result<ShardSpec> shard =
      ResolveShard(s.GetInt("SHARD_COUNT"), s.Get("SHARD_INDEX"), GetEnv);
  Status st = shard.status();
  if (shard.ok()) out->shard = *shard;
  if (st.ok() && !s.Get("STATE_URI").empty()) {
    Result<S3Uri> uri = ParseS3Uri(s.Get("STATE_URI"), true, "STATE_URI");
    if (uri.ok()) out->state = *uri;
    st = uri.status();
  }
  const std::string& list = s.Get("SOURCE_URLS_FILE");
  if (st.ok() && IsRemoteList(list))
    st = ParseS3Uri(list, false, "SOURCE_URLS_FILE").status();
  if (st.ok()) return -1;
  std::fprintf(stderr, "cfmigrate %s: %s\n", command, st.message().c_str());
  return 2;
}

int ConnectScaleOut(const Settings& s, ScaleOut* out) {
  bool remote_list = IsRemoteList(s.Get("SOURCE_URLS_FILE"));
  if (!remote_list && !out->state) return -1;
  Result<S3Endpoint> endpoint = S3EndpointFromEnv(s.Get("AWS_REGION"), GetEnv);
  if (!endpoint.ok()) {
    spdlog::error("{}", endpoint.status().message());
    return 2;
  }
  auto chain = NewDefaultCredentialsChain(RealCredentialsEnv());
  if (!chain.ok()) {
    spdlog::error("{}", chain.status().message());
    return 2;
  }
  out->provider = std::move(*chain);
  CredentialsProvider* p = out->provider.get();
  out->access = StoreAccess{*endpoint, [p] { return p->Get(); },
                            [p] { return p->ForceRefresh(); }};
  if (remote_list) {
    out->lists = std::make_unique<S3ListOpener>(out->access);
    SetRemoteListOpener(out->lists->AsOpener());
  }
  return -1;
}

int RestoreShardState(const ScaleOut& so, const std::string& completed_path) {
  if (!so.state || !EmptyFile(completed_path)) return -1;
  std::string from = "s3://" + so.state->bucket + "/" + so.ShardPrefix();
  SetStartupPhase("restoring " + completed_path + " from " + from);
  Result<RestoreCounts> r = RestoreCompleted(so.NewStateStore().get(),
                                             so.ShardPrefix(), completed_path);
  if (!r.ok()) {
    spdlog::error("STATE_URI: restoring {}: {}", from, r.status().ToString());
    return 2;
  }
  spdlog::info("STATE_DIR was empty: restored {} from {} of {}",
               Plural(r->records, "record"), Plural(r->segments, "segment"),
               from);
  return -1;
}

int CheckListVersion(const ScaleOut& so, const std::string& list_uri) {
  if (!so.state) return -1;
  RemoteListInfo info{list_uri, "", 0};
  std::unique_ptr<ObjectStore> store = so.NewStateStore();
  Status st;
  if (so.lists) {
    info = so.lists->Info(list_uri);
    Result<std::vector<ShardView>> views = LoadShardViews(
        store.get(), so.state->key, SystemClock()->WallSeconds());
    st = views.status();
    if (st.ok()) st = CheckSameList(*views, so.shard, info.etag);
  }
  // Also proves STATE_URI is writable before any transfer starts.
  if (st.ok())
    st = store->Put(so.ShardPrefix() + "list.json",
                    ListJson(info.uri, info.etag));
  if (st.ok()) return -1;
  spdlog::error("STATE_URI {}: {}", so.state->ToString(), st.message());
  return 2;
}

std::unique_ptr<StateSync> StartStateSync(const ScaleOut& so, const Settings& s,
                                          int64_t started_at,
                                          std::unique_ptr<ObjectStore>* store) {
  if (!so.state) return nullptr;
  *store = so.NewStateStore();
  StateSyncOptions o;
  o.store = store->get();
  o.shard_prefix = so.ShardPrefix();
  o.completed_path = StatePath(s, "completed.txt");
  o.failed_path = StatePath(s, "failed_transfers.txt");
  o.status_path = StatePath(s, "status.json");
  o.marker_path = StatePath(s, "completed.uploaded");
  o.stem = NewRunStem(started_at);
  auto sync = std::make_unique<StateSync>(std::move(o));
  sync->Init();
  sync->Start();
  return sync;
}

int FinishStateSync(const ScaleOut& so, StateSync* sync,
                    const std::string& report_path, int exit_code) {
  if (sync == nullptr) return exit_code;
  Status st = sync->Finish(report_path);
  if (st.ok()) {
    spdlog::info("state saved to {}{}/ ({} this run)", so.state->ToString(),
                 so.shard.Folder(), Plural(sync->segments(), "segment"));
    return exit_code;
  }
  spdlog::error("STATE_URI: the last upload failed: {}", st.ToString());
  return exit_code == 0 ? 1 : exit_code;
}

int ShowUnionStatus(const std::string& uri, bool json) {
  // stdout is the answer (JSON for scripts): log lines, such as which
  // credentials were found, go to stderr and only when they matter.
  auto log = spdlog::stderr_logger_mt("status");
  log->set_level(spdlog::level::warn);
  spdlog::set_default_logger(log);
  Result<S3Uri> state = ParseS3Uri(uri, true, "--state-uri");
  const char* region = GetEnv("AWS_REGION");
  Result<S3Endpoint> endpoint = S3EndpointFromEnv(
      region != nullptr && *region ? region : "us-west-2", GetEnv);
  auto chain = NewDefaultCredentialsChain(RealCredentialsEnv());
  Status st = !state.ok()      ? state.status()
              : !endpoint.ok() ? endpoint.status()
                               : chain.status();
  Result<std::vector<ShardView>> views = std::vector<ShardView>();
  if (!st.ok()) {
    views = st;
  } else {
    CredentialsProvider* p = chain->get();
    StoreAccess access{*endpoint, [p] { return p->Get(); },
                       [p] { return p->ForceRefresh(); }};
    views = LoadShardViews(NewS3ObjectStore(access, state->bucket).get(),
                           state->key, SystemClock()->WallSeconds());
    if (views.ok() && views->empty())
      views = Status::NotFound(
          "no shard-I-of-N/ folder yet (no shard has "
          "started with this STATE_URI?)");
  }
  if (!views.ok()) {
    std::fprintf(stderr, "cfmigrate status: %s: %s\n", uri.c_str(),
                 views.status().message().c_str());
    return 2;
  }
  if (json) {
    std::printf("%s\n", ShardViewsJson(*views).c_str());
  } else {
    std::printf("cfmigrate migrate over %s\n", uri.c_str());
    for (const std::string& line :
         FormatShardViews(*views, SystemClock()->WallSeconds()))
      std::printf("  %s\n", line.c_str());
  }
  return 0;
}

void ShardTally::NotIntact(const std::string& url, const KeyMappingOptions& m) {
  if (count < 2) return;
  Result<std::string> key = MapUrlToKey(url, m);
  if (key.ok()) ++not_intact[ShardOf(*key, count)];
}

std::string ShardTally::Lines() const {
  std::string lines;
  for (int i = 0; i < count; ++i)
    lines += ShardSpec{i, count}.Label() + ": " + std::to_string(urls[i]) +
             " URLs, " + std::to_string(not_intact[i]) +
             " not intact (in missing.txt or gone.txt)\n";
  return lines;
}

nlohmann::json ShardTally::Json() const {
  nlohmann::json j = nlohmann::json::array();
  for (int i = 0; i < count; ++i)
    j.push_back({{"shard", ShardSpec{i, count}.Label()},
                 {"urls", urls[i]},
                 {"not_intact", not_intact[i]}});
  return j;
}

int MergeShardRecords(const ScaleOut& so, const Settings& s,
                      const std::string& list, const KeyMappingOptions& m,
                      ShardTally* tally) {
  if (!so.state) return -1;
  SetStartupPhase("merging the records of every shard under " +
                  so.state->ToString());
  std::unique_ptr<ObjectStore> store = so.NewStateStore();
  Result<std::vector<std::string>> keys = store->List(so.state->key);
  Result<UnionCounts> u =
      keys.ok() ? MergeUnionRecords(store.get(), so.state->key, *keys,
                                    StatePath(s, "completed.txt"),
                                    StatePath(s, "state_uri_merged.txt"))
                : Result<UnionCounts>(keys.status());
  if (!u.ok()) {
    spdlog::error("STATE_URI {}: {}", so.state->ToString(),
                  u.status().ToString());
    return 2;
  }
  spdlog::info("STATE_URI {}: merged {} from {} of {} ({} merged before)",
               so.state->ToString(), Plural(u->records, "record"),
               Plural(u->segments, "new segment"),
               Plural(u->shard_count, "shard"),
               Plural(u->known_segments, "segment"));
  // Each shard's last failure list: a URL its source answered 404/410/403
  // is gone at the source, not missing (validate's gone.txt).
  Result<size_t> lists = MergeUnionFailures(store.get(), so.state->key, *keys,
                                            StatePath(s, kUnionFailedFile));
  if (!lists.ok()) {
    spdlog::error("STATE_URI {}: {}", so.state->ToString(),
                  lists.status().ToString());
    return 2;
  }
  if (u->shard_count < 2) return -1;
  Result<std::vector<uint64_t>> per_shard =
      CountUrlsPerShard(list, m, u->shard_count);
  if (!per_shard.ok()) {
    spdlog::error("SOURCE_URLS_FILE {}: {}", list,
                  per_shard.status().ToString());
    return 2;
  }
  tally->count = u->shard_count;
  tally->urls = std::move(*per_shard);
  tally->not_intact.assign(tally->urls.size(), 0);
  return -1;
}

Result<std::vector<uint64_t>> CountUrlsPerShard(const std::string& list,
                                                const KeyMappingOptions& m,
                                                int count) {
  auto reader = UrlListReader::Open(list);
  if (!reader.ok()) return reader.status();
  std::vector<uint64_t> per_shard(static_cast<size_t>(std::max(count, 1)));
  UrlSet seen;
  std::string url;
  while ((*reader)->Next(&url, nullptr)) {
    Result<std::string> key = MapUrlToKey(url, m);
    if (key.ok() && seen.Insert(url)) ++per_shard[ShardOf(*key, count)];
  }
  if (!(*reader)->status().ok()) return (*reader)->status();
  return per_shard;
}

}  // namespace cfm
