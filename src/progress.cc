#include "progress.h"

#include <cstdarg>
#include <cstdio>

namespace cfm {
namespace {

std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return buf;
}

}  // namespace

std::string FormatDuration(double seconds) {
  if (seconds < 0) return "?";
  long s = static_cast<long>(seconds + 0.5);
  if (s >= 86400) return Format("%ldd%02ldh", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return Format("%ldh%02ldm", s / 3600, s % 3600 / 60);
  if (s >= 60) return Format("%ldm%02lds", s / 60, s % 60);
  return Format("%lds", s);
}

ProgressMeter::ProgressMeter(int64_t start_ms, int64_t window_ms)
    : start_ms_(start_ms), window_ms_(window_ms) {}

void ProgressMeter::Sample(int64_t now_ms, const ProgressCounts& c) {
  points_.push_back({now_ms, c.succeeded + c.failed, c.bytes});
  while (points_.size() > 2 && points_.front().ms < now_ms - window_ms_)
    points_.pop_front();
}

double ProgressMeter::RecentFilesPerSec(int64_t now_ms, uint64_t files) const {
  if (points_.empty() || now_ms <= points_.front().ms) return 0;
  return (files - points_.front().files) * 1000.0 /
         (now_ms - points_.front().ms);
}

double ProgressMeter::RecentBytesPerSec(int64_t now_ms, uint64_t bytes) const {
  if (points_.empty() || now_ms <= points_.front().ms) return 0;
  return (bytes - points_.front().bytes) * 1000.0 /
         (now_ms - points_.front().ms);
}

std::string ProgressMeter::Line(int64_t now_ms, const ProgressCounts& c) const {
  double elapsed = (now_ms - start_ms_) / 1000.0;
  uint64_t finished = c.succeeded + c.failed;
  uint64_t done = c.skipped + finished;
  double pct = c.total ? 100.0 * done / c.total : 100.0;
  double fps = elapsed > 0 ? finished / elapsed : 0;
  double mbps = elapsed > 0 ? c.bytes / elapsed / 1e6 : 0;
  double recent_fps = RecentFilesPerSec(now_ms, finished);
  double recent_mbps = RecentBytesPerSec(now_ms, c.bytes) / 1e6;
  double rate = recent_fps > 0 ? recent_fps : fps;
  uint64_t left = c.total > done ? c.total - done : 0;
  double eta = rate > 0 ? left / rate : (left ? -1 : 0);
  double error_rate = finished ? 100.0 * c.failed / finished : 0;
  return Format(
      "progress %llu/%llu (%.1f%%) | %.1f files/s (recent %.1f) | %.1f MB/s "
      "(recent %.1f) | ETA %s | ok %llu, failed %llu, retrying %llu | "
      "errors %.2f%%",
      static_cast<unsigned long long>(done),
      static_cast<unsigned long long>(c.total), pct, fps, recent_fps, mbps,
      recent_mbps, FormatDuration(eta).c_str(),
      static_cast<unsigned long long>(c.succeeded),
      static_cast<unsigned long long>(c.failed),
      static_cast<unsigned long long>(c.retrying), error_rate);
}

std::string ProgressMeter::StatusBar(int64_t now_ms,
                                     const ProgressCounts& c) const {
  uint64_t finished = c.succeeded + c.failed;
  uint64_t done = c.skipped + finished;
  double pct = c.total ? 100.0 * done / c.total : 100.0;
  double recent_fps = RecentFilesPerSec(now_ms, finished);
  double recent_mbps = RecentBytesPerSec(now_ms, c.bytes) / 1e6;
  uint64_t left = c.total > done ? c.total - done : 0;
  double eta = recent_fps > 0 ? left / recent_fps : (left ? -1 : 0);
  return Format(
      "%llu/%llu %.1f%% | %.0f files/s %.1f MB/s | ETA %s | "
      "failed %llu retrying %llu",
      static_cast<unsigned long long>(done),
      static_cast<unsigned long long>(c.total), pct, recent_fps, recent_mbps,
      FormatDuration(eta).c_str(), static_cast<unsigned long long>(c.failed),
      static_cast<unsigned long long>(c.retrying));
}

}  // namespace cfm
