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

}  // namespace

Status ApplyCompleted(const std::string& completed_path, ListingIndex* index,
                      ValidationResult* result) {
  ValidationCounts& c = result->counts;
  bool any_mismatch = false;
  Status s = LoadCompleted(completed_path, [&](const CompletedRecord& r) {
    ++c.completed_records;
    int64_t i = index->Find(r.key);
    if (i < 0) {
      if (r.key.compare(0, index->prefix().size(), index->prefix()) == 0) {
        ++c.completed_not_in_bucket;
      }
      return;
    }
    index->SetFlag(i, kRecorded);
    if (r.bytes != index->Size(i)) {
      any_mismatch = true;
      index->SetFlag(i, kSizeMismatch);
    } else {
      index->ClearFlag(i, kSizeMismatch);  // a later record wins
    }
  });
  if (!s.ok() || !any_mismatch) return s;
  // Second look, for the examples: the recorded sizes of mismatches.
  {
    s = LoadCompleted(completed_path, [&](const CompletedRecord& r) {
      int64_t i = index->Find(r.key);
      if (i < 0 || !(index->flags(i) & kSizeMismatch) ||
          r.bytes == index->Size(i)) {
        return;
      }
      for (SizeMismatch& m : result->size_mismatch_examples) {
        if (m.key == r.key) {
          m.recorded = r.bytes;
          return;
        }
      }
      AddExample(&result->size_mismatch_examples,
                 SizeMismatch{r.key, r.bytes, index->Size(i)});
    });
  }
  return s;
}

Status CompareUrls(
    const std::string& urls_path, const KeyMappingOptions& mapping,
    ListingIndex* index, const std::function<void(const std::string&)>& retry,
    const std::function<void(size_t, const std::string&)>& present,
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
    if (i < 0) {
      if (!missing_keys.Insert(Fingerprint(*key))) {
        ++c.duplicate_urls;
        continue;
      }
      ++c.expected;
      ++c.missing;
      AddExample(&result->missing_examples, url);
      retry(url);
      continue;
    }
    if (index->flags(i) & kExpected) {
      ++c.duplicate_urls;
      continue;
    }
    index->SetFlag(i, kExpected);
    ++c.expected;
    ++c.present;
    if (index->flags(i) & kSizeMismatch) {
      ++c.size_mismatches;
      retry(url);
    } else if (present) {
      present(static_cast<size_t>(i), url);
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

Status PruneCompleted(const std::string& completed_path,
                      const ListingIndex& index, size_t* dropped) {
  *dropped = 0;
  auto keep = [&index](const CompletedRecord& r) {
    if (r.key.compare(0, index.prefix().size(), index.prefix()) != 0) {
      return true;  // another prefix: not ours to judge
    }
    int64_t i = index.Find(r.key);
    return i >= 0 && !(index.flags(i) & (kSizeMismatch | kCorrupt));
  };
  Status s = LoadCompleted(completed_path, [&](const CompletedRecord& r) {
    if (!keep(r)) ++*dropped;
  });
  if (!s.ok() || *dropped == 0) return s;
  std::string tmp = completed_path + ".validate.tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return Status::IOError(tmp + ": open: " + std::strerror(errno));
  }
  s = LoadCompleted(completed_path, [&](const CompletedRecord& r) {
    if (keep(r)) std::fputs(FormatCompletedLine(r).c_str(), f);
  });
  if (!s.ok()) {
    std::fclose(f);
    std::remove(tmp.c_str());
    return s;
  }
  return FsyncAndRename(f, tmp, completed_path);
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

void ListFileWriter::Add(const std::string& url) {
  std::fputs(url.c_str(), file_);
  std::fputc('\n', file_);
  ++lines_;
}

Status ListFileWriter::Commit() {
  committed_ = true;
  return FsyncAndRename(file_, path_ + ".tmp", path_);
}

}  // namespace cfm
