// Progress figures and the lines that show them. Pure: the caller passes
// the time, so tests assert exact strings.
#ifndef CFMIGRATE_PROGRESS_H_
#define CFMIGRATE_PROGRESS_H_

#include <cstdint>
#include <deque>
#include <string>

namespace cfm {

struct ProgressCounts {
  uint64_t total = 0;      // objects in the list (unique, well-formed)
  uint64_t skipped = 0;    // already in completed.txt before this run
  uint64_t succeeded = 0;  // copied this run
  uint64_t failed = 0;     // given up on this run
  uint64_t retrying = 0;   // waiting for another attempt now
  uint64_t bytes = 0;      // bytes copied this run
};

// Keeps recent samples to report a recent rate next to the overall one.
class ProgressMeter {
 public:
  explicit ProgressMeter(int64_t start_ms, int64_t window_ms = 30000);

  // Records the counts at `now_ms`.
  void Sample(int64_t now_ms, const ProgressCounts& counts);

  // One log line: done/total and %, files/s and MB/s (recent and overall),
  // ETA, succeeded/failed/retrying and error rate.
  std::string Line(int64_t now_ms, const ProgressCounts& counts) const;

  // A short single line for a terminal status bar.
  std::string StatusBar(int64_t now_ms, const ProgressCounts& counts) const;

 private:
  struct Point {
    int64_t ms;
    uint64_t files;
    uint64_t bytes;
  };
  double RecentFilesPerSec(int64_t now_ms, uint64_t files) const;
  double RecentBytesPerSec(int64_t now_ms, uint64_t bytes) const;

  int64_t start_ms_;
  int64_t window_ms_;
  std::deque<Point> points_;
};

// "1h02m", "3m05s", "12s"; "?" for a negative value.
std::string FormatDuration(double seconds);

}  // namespace cfm

#endif  // CFMIGRATE_PROGRESS_H_
