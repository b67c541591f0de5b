// Progress figures and the lines that show them. Pure: the caller passes
// the time, so tests assert exact strings.
#ifndef CFMIGRATE_PROGRESS_H_
#define CFMIGRATE_PROGRESS_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace cfm {

struct ProgressCounts {
  uint64_t total = 0;      // objects in the list (unique, well-formed)
  uint64_t skipped = 0;    // already in completed.txt before this run
  uint64_t succeeded = 0;  // copied this run
  uint64_t failed = 0;     // given up on this run
  uint64_t retrying = 0;   // waiting for another attempt now
  uint64_t bytes = 0;      // bytes copied this run
};

// What a progress line or status.json shows, computed from the counts.
struct ProgressFigures {
  uint64_t done = 0;       // skipped + succeeded + failed
  double percent = 0;      // done of total
  double fps = 0;          // files/s since the start ("avg")
  double bytes_per_s = 0;  // bytes/s since the start
  double recent_fps = 0;   // files/s over the recent window ("now")
  double recent_bytes_per_s = 0;
  double eta_seconds =
      -1;  // at the recent rate (else the overall); < 0 unknown
};

// The live line's view of the in-flight limit: `limit` of `max`.
struct LimitFigures {
  int limit = 0;
  int max = 0;
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

  // The figures both lines are made of.
  ProgressFigures Figures(int64_t now_ms, const ProgressCounts& counts) const;

  // The terminal's live line, at most `width` - 1 columns (so it never
  // wraps). Fields, left to right: done/total %, `now` rates, `avg` rates,
  // ETA, failed, retrying, `limit L/M` (failed, retrying and limit only
  // when they say something). When the line is too wide, whole fields are
  // dropped in this order: avg, retrying, now, limit, failed, ETA; then
  // what is left is cut.
  std::string StatusBar(int64_t now_ms, const ProgressCounts& counts,
                        LimitFigures limit, size_t width) const;

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

// Joins `fields` with " | ", leaving out fields (by their index) in
// `drop_order` until the line is shorter than `width`; cuts the rest.
// Empty fields are skipped.
std::string FitFields(const std::vector<std::string>& fields,
                      const std::vector<size_t>& drop_order, size_t width);

// "1h02m", "3m05s", "12s"; "?" for a negative value.
std::string FormatDuration(double seconds);

// printf into a std::string, however long the result. Pure.
std::string StringPrintf(const char* fmt, ...)
    __attribute__((format(printf, 1, 2)));

}  // namespace cfm

#endif  // CFMIGRATE_PROGRESS_H_
