#include "work_feed.h"

#include "completed_log.h"
#include "result_sink.h"
#include "url_list.h"

namespace cfm {

WorkFeed::WorkFeed(std::string list_path, KeyMappingOptions mapping,
                   UrlSet* done, ResultSink* sink, size_t capacity)
    : list_path_(std::move(list_path)),
      mapping_(std::move(mapping)),
      done_(done),
      sink_(sink),
      capacity_(capacity) {}

WorkFeed::~WorkFeed() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void WorkFeed::SetShard(std::function<bool(std::string_view)> owns,
                        std::function<bool(std::string_view)> owns_malformed) {
  owns_ = std::move(owns);
  owns_malformed_ = std::move(owns_malformed);
}

void WorkFeed::Start() {
  thread_ = std::thread([this] { ReadAll(); });
}

void WorkFeed::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
  space_.notify_all();
}

void WorkFeed::ReadAll() {
  Status status;
  auto reader = UrlListReader::Open(list_path_);
  if (!reader.ok()) {
    status = reader.status();
  } else {
    std::string url;
    size_t line = 0;
    while ((*reader)->Next(&url, &line)) {
      Result<std::string> key = MapUrlToKey(url, mapping_);
      if (!key.ok()) {
        if (!owns_malformed_ || owns_malformed_(url))
          sink_->Malformed(url, key.status().message());
        continue;
      }
      if (owns_ && !owns_(*key)) continue;  // another shard's
      // Done means recorded for this URL at this key (and bucket: the
      // caller loaded only records of this run's bucket).
      if (!done_->Insert(RecordId(url, *key))) {
        skipped_++;
        continue;
      }
      auto job = std::make_unique<Job>();
      job->url = url;
      job->key = std::move(*key);
      std::unique_lock<std::mutex> lock(mu_);
      space_.wait(lock, [this] { return stop_ || queue_.size() < capacity_; });
      if (stop_) break;
      queue_.push_back(std::move(job));
      queued_++;
    }
    status = (*reader)->status();
  }
  std::lock_guard<std::mutex> lock(mu_);
  status_ = status;
  finished_ = true;
}

std::unique_ptr<Job> WorkFeed::TryTake() {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) return nullptr;
  std::unique_ptr<Job> job = std::move(queue_.front());
  queue_.pop_front();
  space_.notify_one();
  return job;
}

bool WorkFeed::Exhausted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return (finished_ || stop_) && queue_.empty();
}

Status WorkFeed::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

}  // namespace cfm
