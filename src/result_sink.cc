#include "result_sink.h"

namespace cfm {

Result<std::unique_ptr<AppendOnlyFile>> OpenFailedList(
    const std::string& path) {
  return AppendOnlyFile::Open(path, AppendOnlyFile::Start::kEmpty,
                              kSharedFileMode);
}

bool CountsTowardStop(const Failure& failure) {
  return failure.type != FailType::kSourceGone &&
         failure.type != FailType::kSourceRejected &&
         failure.type != FailType::kMalformedUrl;
}

ResultSink::ResultSink(CompletedLog* completed, AppendOnlyFile* failed,
                       int first_failures, int any_failures)
    : completed_(completed),
      failed_file_(failed),
      first_failures_(first_failures),
      any_failures_(any_failures) {}

void ResultSink::Succeeded(const std::string& url, const std::string& key,
                           uint64_t bytes, const std::string& checksum) {
  Status s = completed_->Append(CompletedRecord{url, key, bytes, checksum});
  if (!s.ok()) {
    StopRun(s.ToString());
    return;
  }
  succeeded_++;
  bytes_ += bytes;
  std::lock_guard<std::mutex> lock(mu_);
  same_count_ = 0;
}

void ResultSink::WriteFailedLine(const std::string& url,
                                 const std::string& reason) {
  Status s = failed_file_->Append(url + "\t" + reason + "\n");
  if (!s.ok()) StopRun(s.ToString());
}

void ResultSink::Failed(const std::string& url, const Failure& failure) {
  const std::string& reason = failure.text;
  WriteFailedLine(url, reason);
  uint64_t failed_before = failed_++;
  if (!CountsTowardStop(failure)) return;
  std::string message;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reason == same_reason_) {
      ++same_count_;
    } else {
      same_reason_ = reason;
      same_count_ = 1;
    }
    bool at_start = succeeded_.load() == 0 &&
                    failed_before + 1 == static_cast<uint64_t>(same_count_);
    if (at_start && same_count_ >= first_failures_) {
      message = "the first " + std::to_string(same_count_) +
                " objects all failed with '" + reason +
                "'; the run looks misconfigured";
    } else if (same_count_ >= any_failures_) {
      message = std::to_string(same_count_) +
                " objects in a row failed with '" + reason + "'";
    }
  }
  if (!message.empty()) StopRun(message);
}

void ResultSink::Malformed(const std::string& url, const std::string& reason) {
  WriteFailedLine(url, reason);
  malformed_++;
}

void ResultSink::StopRun(const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_message_.empty()) stop_message_ = message;
  stop_ = true;
}

std::string ResultSink::stop_message() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_message_;
}

Status ResultSink::Sync() {
  Status s = completed_->Sync();
  Status f = failed_file_->Sync();
  return s.ok() ? f : s;
}

}  // namespace cfm
