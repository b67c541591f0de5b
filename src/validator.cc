#include "validator.h"

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
  Result<std::unique_ptr<AtomicFileWriter>> file =
      AtomicFileWriter::Open(path, kSharedFileMode);
  if (!file.ok()) return file.status();
  return std::unique_ptr<ListFileWriter>(new ListFileWriter(std::move(*file)));
}

ListFileWriter::ListFileWriter(std::unique_ptr<AtomicFileWriter> file)
    : file_(std::move(file)) {}

void ListFileWriter::Add(std::string_view line) {
  line_.assign(line);
  line_ += '\n';
  (void)file_->Append(line_);  // a failure is returned again by Commit
  ++lines_;
}

Status ListFileWriter::Commit() { return file_->Commit(); }

}  // namespace cfm
