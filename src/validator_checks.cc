#include "validator_checks.h"

#include <algorithm>

#include "crypto.h"

namespace cfm {
namespace {

constexpr size_t kQueueLimit = 4096;
constexpr size_t kMaxErrorExamples = 10;

}  // namespace

DeepSampler::DeepSampler(uint64_t count, double fraction, uint64_t seed)
    : count_(count), fraction_(fraction), rng_(seed) {}

void DeepSampler::Offer(size_t index, const std::string& url) {
  uint64_t order = seen_++;
  if (count_ > 0) {
    if (chosen_.size() < count_) {
      chosen_.push_back({order, Sample{index, url}});
      return;
    }
    uint64_t j = std::uniform_int_distribution<uint64_t>(0, order)(rng_);
    if (j < count_) chosen_[j] = {order, Sample{index, url}};
  } else if (fraction_ > 0 &&
             std::uniform_real_distribution<double>(0, 1)(rng_) < fraction_) {
    chosen_.push_back({order, Sample{index, url}});
  }
}

std::vector<DeepSampler::Sample> DeepSampler::Take() {
  std::sort(chosen_.begin(), chosen_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Sample> out;
  for (auto& c : chosen_) out.push_back(std::move(c.second));
  chosen_.clear();
  return out;
}

CheckPool::CheckPool(
    const ListingIndex* index, int threads,
    std::function<std::unique_ptr<ObjectFetcher>()> make_fetcher)
    : index_(index),
      make_fetcher_(std::move(make_fetcher)),
      flags_(index->size(), 0) {
  for (int i = 0; i < std::max(threads, 1); ++i) {
    threads_.emplace_back([this] { Work(); });
  }
}

CheckPool::~CheckPool() {
  if (!threads_.empty()) Finish();
}

void CheckPool::Submit(Kind kind, size_t index, const std::string& url) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.size() < kQueueLimit; });
  queue_.push_back(Job{kind, index, url});
  cv_.notify_all();
}

void CheckPool::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void CheckPool::Work() {
  std::unique_ptr<ObjectFetcher> fetcher = make_fetcher_();
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();  // room in the queue
    RunJob(fetcher.get(), job);
  }
}

void CheckPool::RunJob(ObjectFetcher* fetcher, const Job& job) {
  if (job.kind != Kind::kDeep) return RunHead(fetcher, job);
  std::string key = index_->Key(job.index);
  Result<ObjectDigest> src = fetcher->Source(job.url);
  if (!src.ok()) return Record(job.kind, job, src.status(), false, false, "");
  Result<ObjectDigest> dst = fetcher->Destination(key);
  if (!dst.ok()) return Record(job.kind, job, dst.status(), false, false, "");
  bool same = src->bytes == dst->bytes && src->md5 == dst->md5;
  Record(job.kind, job, Status::OK(), !same, false,
         "source " + std::to_string(src->bytes) + " bytes md5 " +
             HexEncode(src->md5) + ", S3 " + std::to_string(dst->bytes) +
             " bytes md5 " + HexEncode(dst->md5));
}

void CheckPool::RunHead(ObjectFetcher* fetcher, const Job& job) {
  Result<SourceHead> head = fetcher->Head(job.url);
  if (job.kind != Kind::kEtag) RecordSize(job, head);
  if (job.kind == Kind::kSize) return;
  if (!head.ok())
    return Record(Kind::kEtag, job, head.status(), false, false, "");
  std::string src, dst;
  bool plain = !head->etag.empty() && head->etag.rfind("W/", 0) != 0 &&
               ParsePlainMd5Etag(head->etag, &src) &&
               index_->PlainMd5(job.index, &dst);
  if (!plain) return Record(Kind::kEtag, job, Status::OK(), false, true, "");
  Record(Kind::kEtag, job, Status::OK(), src != dst, false,
         "source ETag " + HexEncode(src) + ", S3 ETag " + HexEncode(dst));
}

void CheckPool::RecordSize(const Job& job, const Result<SourceHead>& head) {
  uint64_t listed = index_->Size(job.index);
  std::lock_guard<std::mutex> lock(mu_);
  // A combined job is counted once, by Record().
  if (job.kind == Kind::kSize && ++finished_ % 1000 == 0 && progress_) {
    progress_(finished_);
  }
  uint8_t& f = flags_[job.index];
  Status outcome = head.status();
  if (outcome.ok() && head->length < 0) {
    outcome = Status::Http("HEAD " + job.url + ": no Content-Length");
  }
  if (!outcome.ok()) {
    ++size_.errors;
    if (outcome.code() == Status::Code::kAuth) ++size_.denied;
    f |= kUnverified;
    if (errors_.size() < kMaxErrorExamples) {
      errors_.push_back({job.url, index_->Key(job.index), outcome.ToString()});
    }
    return;
  }
  ++size_.checked;
  if (static_cast<uint64_t>(head->length) == listed) {
    f |= kVerified;
    return;
  }
  ++size_.mismatched;
  f |= kSizeMismatch;
  if (size_mismatches_.size() < kMaxErrorExamples) {
    size_mismatches_.push_back({job.url, index_->Key(job.index),
                                "source " + std::to_string(head->length) +
                                    " bytes, S3 " + std::to_string(listed)});
  }
}

void CheckPool::Record(Kind kind, const Job& job, const Status& outcome,
                       bool corrupt, bool skipped, std::string detail) {
  std::lock_guard<std::mutex> lock(mu_);
  if (++finished_ % 1000 == 0 && progress_) progress_(finished_);
  CheckCounts& c = kind == Kind::kDeep ? deep_ : etag_;
  uint8_t& f = flags_[job.index];
  std::string key = index_->Key(job.index);
  if (!outcome.ok()) {
    ++c.errors;
    if (outcome.code() == Status::Code::kAuth) ++c.denied;
    f |= kUnverified;
    if (errors_.size() < kMaxErrorExamples) {
      errors_.push_back({job.url, key, outcome.ToString()});
    }
    return;
  }
  if (skipped) {
    ++c.skipped;
    return;
  }
  ++c.checked;
  if (!corrupt) {
    if (kind == Kind::kDeep) f |= kVerified;
    return;
  }
  ++c.mismatched;
  f |= kCorrupt;
  if (std::find(corrupt_idx_.begin(), corrupt_idx_.end(), job.index) ==
      corrupt_idx_.end()) {
    corrupt_idx_.push_back(job.index);
    corrupt_.push_back({job.url, key, std::move(detail)});
  }
}

}  // namespace cfm
