// Where finished objects go: completed.txt for successes, the failed list
// for failures, counters for progress and the report, and the detector
// that stops a run whose failures say the run itself is wrong.
// Thread-safe: every loop and worker calls it.
#ifndef CFMIGRATE_RESULT_SINK_H_
#define CFMIGRATE_RESULT_SINK_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "completed_log.h"
#include "file_util.h"
#include "outcome.h"
#include "status.h"

namespace cfm {

// Opens this run's failed list (failed_transfers.txt) for appending, 0644,
// created when missing and emptied when not: it lists what did not make it
// this run (RotateFailedList keeps the last run's). kIOError, naming the
// step and the path, when it cannot be opened.
Result<std::unique_ptr<AppendOnlyFile>> OpenFailedList(const std::string& path);

// Whether `failure` counts toward stopping the run. A source 404 or 410
// (kSourceGone) and an error page or encoded body in its place
// (kSourceRejected: a CDN that answers missing images with a 200 page)
// never do: a stale list is not a broken run. Malformed input is not a
// failure at all (Malformed()).
bool CountsTowardStop(const Failure& failure);

// The part of the sink the run monitor reads and drives: the counters, the
// stop request and Sync. ResultSink is the one implementation; tests fake
// it. Every method may be called from any thread.
class MonitoredSink {
 public:
  virtual ~MonitoredSink() = default;
  // Makes what was recorded durable; an error names the file and step.
  virtual Status Sync() = 0;
  // Asks the run to stop; the first message is kept.
  virtual void StopRun(const std::string& message) = 0;
  virtual bool stop_requested() const = 0;
  virtual uint64_t succeeded() const = 0;
  virtual uint64_t failed() const = 0;
  virtual uint64_t malformed() const = 0;
  virtual uint64_t bytes() const = 0;
};

class ResultSink final : public MonitoredSink {
 public:
  // Stop when the first `first_failures` objects of a run all fail the same
  // way, or when `any_failures` in a row do at any time, counting only the
  // reasons CountsTowardStop() accepts.
  // Neither file is owned; both must outlive the sink.
  ResultSink(CompletedLog* completed, AppendOnlyFile* failed,
             int first_failures = 20, int any_failures = 200);

  // Records an object that S3 has acknowledged.
  void Succeeded(const std::string& url, const std::string& key, uint64_t bytes,
                 const std::string& checksum);
  // Records an object given up on: "URL<TAB>failure.text" in the failed
  // list ("source http 404", "s3 timeout after 4 attempts", ...).
  void Failed(const std::string& url, const Failure& failure);
  // Records an input line that is not a usable URL.
  void Malformed(const std::string& url, const std::string& reason);
  // Asks the run to stop; the first message is kept.
  void StopRun(const std::string& message) override;

  // Flushes both files to disk.
  Status Sync() override;

  bool stop_requested() const override { return stop_.load(); }
  std::string stop_message() const;
  uint64_t succeeded() const override { return succeeded_.load(); }
  uint64_t failed() const override { return failed_.load(); }
  uint64_t malformed() const override { return malformed_.load(); }
  uint64_t bytes() const override { return bytes_.load(); }

 private:
  void WriteFailedLine(const std::string& url, const std::string& reason);

  CompletedLog* completed_;
  AppendOnlyFile* failed_file_;
  const int first_failures_;
  const int any_failures_;
  std::atomic<uint64_t> succeeded_{0}, failed_{0}, malformed_{0}, bytes_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::string stop_message_;
  std::string same_reason_;  // reason of the current run of failures
  int same_count_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_RESULT_SINK_H_
