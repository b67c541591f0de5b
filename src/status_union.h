// The views over every shard of a STATE_URI: `status --state-uri` (done and
// total per shard and overall, which shards look dead) and, for
// `validate` with STATE_URI and no shard settings, the union of all shards'
// completed records.
#ifndef CFMIGRATE_STATUS_UNION_H_
#define CFMIGRATE_STATUS_UNION_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "s3_store.h"
#include "shard.h"
#include "status.h"
#include "status_file.h"

namespace cfm {

// A running shard with no status.json update for this long looks dead.
constexpr int64_t kDeadAfterSeconds = 60;

struct ShardView {
  ShardSpec shard;
  bool has_status = false;  // false: nothing uploaded yet
  RunStatus status;
  std::string list_etag;  // from list.json, "" when none
  uint64_t segments = 0;  // completed segments uploaded
  // Not finished, and its status.json is older than kDeadAfterSeconds.
  bool dead = false;
};

// Lists `state_prefix` (STATE_URI's key) and reads each shard folder's
// status.json and list.json. Every shard of each SHARD_COUNT seen is in
// the result, in (count, index) order, a shard with no folder as one
// without status. `now` is Unix seconds. Fails with the store's error; a
// status.json that cannot be parsed counts as none.
Result<std::vector<ShardView>> LoadShardViews(ObjectStore* store,
                                              const std::string& state_prefix,
                                              int64_t now);

// The lines `status --state-uri` prints: one per shard and an overall line.
std::vector<std::string> FormatShardViews(const std::vector<ShardView>& views,
                                          int64_t now);

// The same as one JSON object (text) for --json.
std::string ShardViewsJson(const std::vector<ShardView>& views);

// Refuses a list other live shards did not read: OK, or kInvalidArgument
// when a shard other than `self`, running and not dead, recorded another
// ETag for the list in its list.json.
Status CheckSameList(const std::vector<ShardView>& views, const ShardSpec& self,
                     const std::string& etag);

// The list.json a shard uploads: {"uri": ..., "etag": ...}.
std::string ListJson(const std::string& uri, const std::string& etag);

struct UnionCounts {
  size_t segments = 0;        // fetched and appended this time
  size_t records = 0;         // record lines appended
  size_t known_segments = 0;  // merged by an earlier validate
  int shard_count = 0;        // the SHARD_COUNT of the folders (largest seen)
};

// `keys` below is the store's listing of `state_prefix` (listed once by the
// caller for both merges).
//
// Appends to `completed_path` the record lines of every segment of every
// shard under `state_prefix` that `merged_path` (one segment key a line)
// does not name yet, then adds them to `merged_path`. A torn segment line
// is skipped. Fails with the store's error or kIOError naming the file.
Result<UnionCounts> MergeUnionRecords(ObjectStore* store,
                                      const std::string& state_prefix,
                                      const std::vector<std::string>& keys,
                                      const std::string& completed_path,
                                      const std::string& merged_path);

// Replaces `out_path` with the failed_transfers.txt of every shard under
// `state_prefix` (each one's last run), one after the other in key order,
// so validate can tell a URL gone at the source from a missing one.
// Returns how many lists were found; fails with the store's error or
// kIOError naming the file.
Result<size_t> MergeUnionFailures(ObjectStore* store,
                                  const std::string& state_prefix,
                                  const std::vector<std::string>& keys,
                                  const std::string& out_path);

}  // namespace cfm

#endif  // CFMIGRATE_STATUS_UNION_H_
