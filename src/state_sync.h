// STATE_URI: a shard's state kept in S3 as well as in STATE_DIR, so that a
// replaced container (spot interruption, node drain) resumes where the old
// one stopped.
//
// Layout under STATE_URI (s3://bucket/prefix/), one folder per shard:
//   shard-I-of-N/completed/<start>-<run id>-<seq>.txt  completed records
//   shard-I-of-N/failed_transfers.txt, status.json, migration_report.json
// A segment holds kCompletedHeader and then complete completed.txt lines;
// each is written once under a name no other process uses (start time,
// random run id, sequence number), so no process ever rewrites what
// another wrote. A segment torn anyway (its last line without '\n') loses
// that line only, as a torn completed.txt line does.
#ifndef CFMIGRATE_STATE_SYNC_H_
#define CFMIGRATE_STATE_SYNC_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "completed_log.h"
#include "s3_store.h"
#include "status.h"

namespace cfm {

// Calls `fn` for each record or "# wrong" marker line of a segment, with
// the parsed record and the raw line (no '\n'). Headers, garbled lines and
// a torn last line are skipped. Returns the number of lines passed. Pure.
size_t ForEachSegmentRecord(
    std::string_view segment,
    const std::function<void(const CompletedRecord&, std::string_view)>& fn);

// The key of a segment: `shard_prefix` + "completed/" + `stem` + "-" + seq
// (six digits, so keys sort in write order). Pure.
std::string SegmentKey(const std::string& shard_prefix, const std::string& stem,
                       uint64_t seq);

// A name no other process will pick: "<UTC start>-<8 random hex digits>".
std::string NewRunStem(int64_t started_at);

// What a restore brought back.
struct RestoreCounts {
  size_t segments = 0;
  size_t records = 0;
};

// Fetches every segment under `shard_prefix`completed/ and writes their
// record lines, after kCompletedHeader, to `completed_path` (through a temp
// file renamed into place). Call only when completed.txt is missing or
// empty. Fails with the store's error or kIOError naming the file; then
// `completed_path` is untouched.
Result<RestoreCounts> RestoreCompleted(ObjectStore* store,
                                       const std::string& shard_prefix,
                                       const std::string& completed_path);

struct StateSyncOptions {
  ObjectStore* store = nullptr;  // not owned; used by one thread at a time
  std::string shard_prefix;      // ".../shard-3-of-16/"
  std::string completed_path, failed_path, status_path;
  // STATE_DIR/completed.uploaded: how much of completed.txt is in S3
  // already ("<bytes> <inode> <shard prefix>"), so a restart in the same
  // STATE_DIR uploads only the rest.
  std::string marker_path;
  std::string stem;  // NewRunStem()
  int64_t interval_ms = 5000;
};

// Uploads a migrate run's state: new completed records as a segment, the
// failure list and status.json when they changed. Start() does it every
// interval on a thread of its own; Finish() once more with the report.
class StateSync {
 public:
  explicit StateSync(StateSyncOptions options);
  ~StateSync();  // stops the thread (no last upload; call Finish for that)

  // Reads the marker: what of completed.txt was uploaded before. A marker
  // for another prefix or another file (inode), or past the end of the
  // file, counts as nothing.
  void Init();
  void Start();

  // One round. Records are uploaded up to the last complete line; on
  // failure what was not uploaded stays pending for the next round.
  // Returns the first error met (the caller logs it and goes on).
  Status SyncOnce();

  // Stops the thread, then a last round and the report at `report_path`.
  Status Finish(const std::string& report_path);

  uint64_t segments() const { return seq_; }
  uint64_t uploaded_bytes() const { return offset_; }
  // The last error of the thread's rounds ("" when the last one worked).
  std::string last_error();

 private:
  Status UploadRecords();
  Status UploadIfChanged(const std::string& path, const std::string& name,
                         std::string* last);
  void Loop();

  StateSyncOptions o_;
  uint64_t offset_ = 0;  // bytes of completed.txt uploaded
  uint64_t seq_ = 0;     // segments written by this run
  // What was uploaded last; a value no file holds until the first upload,
  // so even an empty failure list is uploaded once.
  std::string last_failed_ = std::string(1, '\0');
  std::string last_status_ = std::string(1, '\0');
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace cfm

#endif  // CFMIGRATE_STATE_SYNC_H_
