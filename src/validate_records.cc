#include "validate_records.h"

#include "file_util.h"
#include "fingerprint.h"
#include "validator.h"

namespace cfm {
namespace {

// A record or marker that `bucket`'s validate judges.
bool OfBucket(const CompletedRecord& r, const std::string& bucket) {
  return r.bucket.empty() || r.bucket == bucket;
}

enum class Fate { kKeep, kDrop, kMark };

Fate Judge(const CompletedRecord* r, const std::string& bucket,
           const ListingIndex& index) {
  if (r == nullptr || !OfBucket(*r, bucket)) return Fate::kKeep;
  if (r->key.compare(0, index.prefix().size(), index.prefix()) != 0) {
    return Fate::kKeep;  // another prefix: not ours to judge
  }
  int64_t i = index.Find(r->key);
  if (i < 0) return Fate::kDrop;
  if (r->wrong) return Fate::kKeep;
  if (r->bytes != index.Size(i)) return Fate::kDrop;
  return (index.flags(i) & kCorrupt) ? Fate::kMark : Fate::kKeep;
}

}  // namespace

RecordedObjects::RecordedObjects(const ListingIndex& index)
    : url_hash_(index.size(), 0), bytes_(index.size(), 0) {}

uint64_t RecordedObjects::UrlHash(std::string_view url) {
  return Hash64(url) | 1;  // never 0, which means "nothing recorded"
}

void RecordedObjects::Note(size_t i, const CompletedRecord& r) {
  url_hash_[i] = UrlHash(r.url);
  bytes_[i] = r.wrong ? kWrong : r.bytes;
}

bool RecordedObjects::Lookup(size_t i, std::string_view url,
                             uint64_t* bytes) const {
  if (url_hash_[i] == 0 || url_hash_[i] != UrlHash(url)) return false;
  *bytes = bytes_[i];
  return true;
}

Status PruneCompleted(const std::string& completed_path,
                      const std::string& bucket, const ListingIndex& index,
                      size_t* changed) {
  *changed = 0;
  Status s = ScanCompleted(completed_path,
                           [&](const CompletedRecord* r, std::string_view) {
                             if (Judge(r, bucket, index) != Fate::kKeep) {
                               ++*changed;
                             }
                           });
  if (!s.ok() || *changed == 0) return s;
  Result<std::unique_ptr<AtomicFileWriter>> out =
      AtomicFileWriter::Open(completed_path, kSharedFileMode);
  if (!out.ok()) return out.status();
  std::string kept;
  s = ScanCompleted(completed_path,
                    [&](const CompletedRecord* r, std::string_view line) {
                      Fate fate = Judge(r, bucket, index);
                      if (fate == Fate::kDrop) return;
                      kept.assign(fate == Fate::kMark ? kWrongMarker : "");
                      kept.append(line);
                      kept += '\n';
                      (void)(*out)->Append(kept);  // Commit reports errors
                    });
  if (!s.ok()) return s;  // the writer's destructor removes the temp file
  return (*out)->Commit();
}

}  // namespace cfm
