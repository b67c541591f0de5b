// What `migrate` and `validate` do to run as one worker of many (see
// docs/scale-out.md): work out the shard, reach S3 for a list or state kept
// there, restore a shard's state into an empty STATE_DIR, refuse a list
// that other shards did not read, and keep the state in S3 while a run
// goes. Commands call these around their own steps; each returns -1 to go
// on or the exit code to stop with, after logging why.
#ifndef CFMIGRATE_SCALE_OUT_H_
#define CFMIGRATE_SCALE_OUT_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "credentials.h"
#include "key_mapper.h"
#include "s3_store.h"
#include "s3_url_list.h"
#include "settings.h"
#include "shard.h"
#include "state_sync.h"

namespace cfm {

struct ScaleOut {
  ShardSpec shard;
  std::optional<S3Uri> state;  // STATE_URI
  StoreAccess access;          // set when a list or the state is in S3
  std::unique_ptr<CredentialsProvider> provider;
  std::unique_ptr<S3ListOpener> lists;

  // STATE_URI's key + "shard-I-of-N/".
  std::string ShardPrefix() const;
  // A new store on STATE_URI's bucket (one per thread).
  std::unique_ptr<ObjectStore> NewStateStore() const;
};

// Reads SHARD_COUNT and SHARD_INDEX (or the engine's index variable) and
// STATE_URI. On a bad value prints the problem, naming the setting, to
// stderr and returns 2 (before any work starts); else -1.
int ResolveScaleOut(const Settings& s, const char* command, ScaleOut* out);

// When SOURCE_URLS_FILE or STATE_URI is in S3: gets credentials and
// registers the S3 list opener. Returns -1, or 2 after logging why.
int ConnectScaleOut(const Settings& s, ScaleOut* out);

// With STATE_URI and a missing or empty `completed_path`: restores this
// shard's records from STATE_URI. Returns -1, or 2 after logging why.
int RestoreShardState(const ScaleOut& so, const std::string& completed_path);

// With STATE_URI: writes this shard's list.json (the list and, for a list
// in S3, the ETag this run read), which also proves STATE_URI writable, and
// refuses (2) a list in S3 whose ETag a live shard did not read.
int CheckListVersion(const ScaleOut& so, const std::string& list_uri);

// With STATE_URI: a StateSync for this shard, started (nullptr without
// STATE_URI). `store` receives the store it uses, kept alive by the caller.
std::unique_ptr<StateSync> StartStateSync(const ScaleOut& so, const Settings& s,
                                          int64_t started_at,
                                          std::unique_ptr<ObjectStore>* store);

// `cfmigrate status --state-uri URI`: prints every shard's state (JSON
// with `json`). Returns 0 when shown, 2 for a bad URI, an S3 error or a
// STATE_URI that holds no shard yet (each printed to stderr).
int ShowUnionStatus(const std::string& uri, bool json);

// With STATE_URI: the last upload (records, failures, status, the report
// at `report_path`), logged. Returns `exit_code`, or 1 instead of 0 when
// the upload failed: a replacement would not find this run's records.
int FinishStateSync(const ScaleOut& so, StateSync* sync,
                    const std::string& report_path, int exit_code);

// validate's per-shard view of the union: URLs of the list per shard and
// those not intact (missing, wrong, unverified or gone). count < 2: none.
struct ShardTally {
  int count = 0;
  std::vector<uint64_t> urls, not_intact;

  // Counts `url` (mapped with `m`) as not intact in its shard.
  void NotIntact(const std::string& url, const KeyMappingOptions& m);
  // "shard 3 of 4: 250 URLs, 12 not intact (in missing.txt or gone.txt)\n"
  // for each shard; "" without shards.
  std::string Lines() const;
  // [{"shard": "shard 3 of 4", "urls": 250, "not_intact": 12}, ...]
  nlohmann::json Json() const;
};

// Where validate with STATE_URI keeps every shard's last failure list (in
// STATE_DIR; replaced by each validate).
constexpr const char* kUnionFailedFile = "state_uri_failed_transfers.txt";

// validate with STATE_URI: appends every shard's records this STATE_DIR
// has not merged yet to its completed.txt (see MergeUnionRecords), copies
// every shard's failed_transfers.txt into kUnionFailedFile (gone URLs)
// and, when the shards are more than one, counts the list's URLs per shard
// into `tally`. Returns -1, or 2 after logging why.
int MergeShardRecords(const ScaleOut& so, const Settings& s,
                      const std::string& list, const KeyMappingOptions& m,
                      ShardTally* tally);

// URLs of the list per shard of `count` (distinct well-formed URLs; a
// duplicate line counts once). Fails with the reader's error.
Result<std::vector<uint64_t>> CountUrlsPerShard(const std::string& list,
                                                const KeyMappingOptions& m,
                                                int count);

}  // namespace cfm

#endif  // CFMIGRATE_SCALE_OUT_H_
