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

// One pass over urls.txt as passes 2 and 4 make it: each URL mapped to its
// key and looked up in the listing. The first URL of each key is kFirst; a
// later one is kRepeat (absent keys are told apart by fingerprint, listed
// ones by `seen_flag`, which the pass sets on the first).
class UrlPass {
 public:
  enum class Kind { kMalformed, kRepeat, kFirst };

  // Fails with the reader's kNotFound/kIOError.
  static Result<std::unique_ptr<UrlPass>> Open(const std::string& urls_path,
                                               const KeyMappingOptions& mapping,
                                               ListingIndex* index,
                                               uint8_t seen_flag) {
    auto reader = UrlListReader::Open(urls_path);
    if (!reader.ok()) return reader.status();
    return std::make_unique<UrlPass>(std::move(*reader), mapping, index,
                                     seen_flag);
  }
  UrlPass(std::unique_ptr<UrlListReader> reader,
          const KeyMappingOptions& mapping, ListingIndex* index,
          uint8_t seen_flag)
      : reader_(std::move(reader)),
        mapping_(mapping),
        index_(index),
        seen_flag_(seen_flag) {}

  // Reads and classifies the next URL; false at the end of the list or on
  // a read error (status()).
  bool Next() {
    if (!reader_->Next(&url_, nullptr)) return false;
    Result<std::string> key = MapUrlToKey(url_, mapping_);
    map_error_ = key.status();
    listed_ = -1;
    if (!key.ok()) {
      kind_ = Kind::kMalformed;
      return true;
    }
    listed_ = index_->Find(*key);
    bool first = listed_ < 0 ? absent_keys_.Insert(Fingerprint(*key))
                             : !(index_->flags(listed_) & seen_flag_);
    if (first && listed_ >= 0) index_->SetFlag(listed_, seen_flag_);
    kind_ = first ? Kind::kFirst : Kind::kRepeat;
    return true;
  }

  Kind kind() const { return kind_; }
  const std::string& url() const { return url_; }
  // The key's place in the listing; -1 when it is not listed.
  int64_t listed() const { return listed_; }
  // Why the URL maps to no key (kMalformed).
  const Status& map_error() const { return map_error_; }
  const Status& status() const { return reader_->status(); }

 private:
  std::unique_ptr<UrlListReader> reader_;
  const KeyMappingOptions& mapping_;
  ListingIndex* index_;
  const uint8_t seen_flag_;
  UrlSet absent_keys_;
  std::string url_;
  Status map_error_;
  int64_t listed_ = -1;
  Kind kind_ = Kind::kMalformed;
};

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
  auto pass = UrlPass::Open(urls_path, mapping, index, kExpected);
  if (!pass.ok()) return pass.status();
  UrlPass& p = **pass;
  ValidationCounts& c = result->counts;
  while (p.Next()) {
    ++c.url_lines;
    if (p.kind() == UrlPass::Kind::kMalformed) {
      ++c.malformed;
      AddExample(&result->malformed_examples,
                 p.url() + ": " + p.map_error().message());
      continue;
    }
    if (p.kind() == UrlPass::Kind::kRepeat) {
      ++c.duplicate_urls;
      continue;
    }
    ++c.expected;
    if (p.listed() < 0) continue;
    auto i = static_cast<size_t>(p.listed());
    ++c.present;
    bool needs_size = JudgeByRecord(index, records, i, p.url(), result);
    if (!(index->flags(i) & (kSizeMismatch | kCorrupt))) {
      present(i, p.url(), needs_size);
    }
  }
  return p.status();
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
  auto pass = UrlPass::Open(urls_path, mapping, index, kReported);
  if (!pass.ok()) return pass.status();
  UrlPass& p = **pass;
  ValidationCounts& c = result->counts;
  while (p.Next()) {
    if (p.kind() != UrlPass::Kind::kFirst) continue;
    const std::string& url = p.url();
    int64_t i = p.listed();
    Verdict v = i < 0 ? Verdict::kUnverified : VerdictOf(index->flags(i));
    if (i >= 0 && v == Verdict::kIntact) {
      ++c.verified;
      continue;
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
  return p.status();
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
