#include "validator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "completed_log.h"
#include "fingerprint.h"
#include "url_list.h"
#include "url_set.h"

namespace cfm {
namespace {

template <typename T>
void AddExample(std::vector<T>* examples, T value) {
  if (examples->size() < kMaxExamples) examples->push_back(std::move(value));
}

// Judges present object `i` by its record; true when it still needs the
// source's size.
bool JudgeByRecord(ListingIndex* index, const RecordedObjects& records,
                   size_t i, const std::string& url, ValidationResult* result) {
  uint64_t bytes = 0;
  if (!records.Lookup(i, url, &bytes)) return true;
  if (bytes == RecordedObjects::kWrong) {
    index->SetFlag(i, kCorrupt);
  } else if (bytes == index->Size(i)) {
    index->SetFlag(i, kVerified);
    ++result->counts.verified_by_record;
  } else {
    index->SetFlag(i, kSizeMismatch);
    AddExample(&result->size_mismatch_examples,
               SizeMismatch{index->Key(i), bytes, index->Size(i)});
  }
  return false;
}

// What pass 4 says about one present object's flags.
enum class Verdict { kIntact, kSizeMismatch, kCorrupt, kUnverified };

Verdict VerdictOf(uint8_t f) {
  if (f & kCorrupt) return Verdict::kCorrupt;
  if (f & kSizeMismatch) return Verdict::kSizeMismatch;
  if ((f & kUnverified) || !(f & kVerified)) return Verdict::kUnverified;
  return Verdict::kIntact;
}

}  // namespace

Status FsyncAndRename(std::FILE* f, const std::string& tmp,
                      const std::string& path) {
  bool ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  int err = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return Status::IOError(tmp + ": write: " + std::strerror(err));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError(path + ": rename: " + std::strerror(errno));
  }
  return Status::OK();
}

Status ApplyCompleted(const std::string& completed_path,
                      const std::string& bucket, ListingIndex* index,
                      RecordedObjects* records, GoneUrls* gone,
                      ValidationResult* result) {
  ValidationCounts& c = result->counts;
  return ScanCompleted(
      completed_path, [&](const CompletedRecord* r, std::string_view) {
        if (r == nullptr) return;
        if (!r->bucket.empty() && r->bucket != bucket) return;
        // A record (or the marker that replaced one) says the URL was
        // copied once, so its failure is older: a re-run will tell.
        if (!gone->empty()) gone->erase(r->url);
        if (!r->wrong) ++c.completed_records;
        int64_t i = index->Find(r->key);
        if (i < 0) {
          if (!r->wrong &&
              r->key.compare(0, index->prefix().size(), index->prefix()) == 0) {
            ++c.completed_not_in_bucket;
          }
          return;
        }
        index->SetFlag(i, kRecorded);
        records->Note(static_cast<size_t>(i), *r);
      });
}

Status CompareUrls(
    const std::string& urls_path, const KeyMappingOptions& mapping,
    ListingIndex* index, const RecordedObjects& records,
    const std::function<void(size_t, const std::string&, bool)>& present,
    ValidationResult* result) {
  auto reader = UrlListReader::Open(urls_path);
  if (!reader.ok()) return reader.status();
  ValidationCounts& c = result->counts;
  UrlSet missing_keys;
  std::string url;
  while ((*reader)->Next(&url, nullptr)) {
    ++c.url_lines;
    Result<std::string> key = MapUrlToKey(url, mapping);
    if (!key.ok()) {
      ++c.malformed;
      AddExample(&result->malformed_examples,
                 url + ": " + key.status().message());
      continue;
    }
    int64_t i = index->Find(*key);
    bool first = i < 0 ? missing_keys.Insert(Fingerprint(*key))
                       : !(index->flags(i) & kExpected);
    if (!first) {
      ++c.duplicate_urls;
      continue;
    }
    ++c.expected;
    if (i < 0) continue;
    index->SetFlag(i, kExpected);
    ++c.present;
    bool needs_size = JudgeByRecord(index, records, i, url, result);
    if (!(index->flags(i) & (kSizeMismatch | kCorrupt))) {
      present(static_cast<size_t>(i), url, needs_size);
    }
  }
  return (*reader)->status();
}

void CountExtras(const ListingIndex& index, ValidationResult* result) {
  ValidationCounts& c = result->counts;
  c.listed = 0;
  c.extra = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    uint8_t f = index.flags(i);
    if (f & kDuplicate) continue;
    ++c.listed;
    if (f & kExpected) continue;
    ++c.extra;
    AddExample(&result->extra_examples, index.Key(i));
  }
}

Status ReportUrls(
    const std::string& urls_path, const KeyMappingOptions& mapping,
    ListingIndex* index, const GoneUrls& gone,
    const std::function<void(const std::string&)>& retry,
    const std::function<void(const std::string&, const std::string&)>& gone_out,
    ValidationResult* result) {
  auto reader = UrlListReader::Open(urls_path);
  if (!reader.ok()) return reader.status();
  ValidationCounts& c = result->counts;
  UrlSet missing_keys;
  std::string url;
  while ((*reader)->Next(&url, nullptr)) {
    Result<std::string> key = MapUrlToKey(url, mapping);
    if (!key.ok()) continue;
    int64_t i = index->Find(*key);
    Verdict v = Verdict::kIntact;
    if (i < 0) {
      if (!missing_keys.Insert(Fingerprint(*key))) continue;
    } else {
      if (index->flags(i) & kReported) continue;
      index->SetFlag(i, kReported);
      v = VerdictOf(index->flags(i));
      if (v == Verdict::kIntact) {
        ++c.verified;
        continue;
      }
    }
    auto g = gone.find(url);
    if (g != gone.end()) {
      ++c.gone;
      gone_out(url, g->second);
      continue;
    }
    retry(url);
    if (i < 0) {
      ++c.missing;
      AddExample(&result->missing_examples, url);
    } else if (v == Verdict::kCorrupt) {
      ++c.corrupt;
    } else if (v == Verdict::kSizeMismatch) {
      ++c.size_mismatches;
    } else {
      ++c.unverified;
      AddExample(&result->unverified_examples, url);
    }
  }
  return (*reader)->status();
}

Result<std::unique_ptr<ListFileWriter>> ListFileWriter::Open(
    const std::string& path) {
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return Status::IOError(tmp + ": open: " + std::strerror(errno));
  }
  return std::unique_ptr<ListFileWriter>(new ListFileWriter(f, path));
}

ListFileWriter::ListFileWriter(std::FILE* f, std::string path)
    : file_(f), path_(std::move(path)) {}

ListFileWriter::~ListFileWriter() {
  if (committed_) return;
  std::fclose(file_);
  std::remove((path_ + ".tmp").c_str());
}

void ListFileWriter::Add(const std::string& line) {
  std::fputs(line.c_str(), file_);
  std::fputc('\n', file_);
  ++lines_;
}

Status ListFileWriter::Commit() {
  committed_ = true;
  return FsyncAndRename(file_, path_ + ".tmp", path_);
}

}  // namespace cfm
