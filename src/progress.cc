#include "progress.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace cfm {

std::string FormatDuration(double seconds) {
  if (seconds < 0) return "?";
  long s = std::lround(seconds);
  if (s >= 86400)
    return StringPrintf("%ldd%02ldh", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return StringPrintf("%ldh%02ldm", s / 3600, s % 3600 / 60);
  if (s >= 60) return StringPrintf("%ldm%02lds", s / 60, s % 60);
  return StringPrintf("%lds", s);
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

ProgressFigures ProgressMeter::Figures(int64_t now_ms,
                                       const ProgressCounts& c) const {
  ProgressFigures f;
  double elapsed = (now_ms - start_ms_) / 1000.0;
  uint64_t finished = c.succeeded + c.failed;
  f.done = c.skipped + finished;
  f.percent = c.total ? 100.0 * f.done / c.total : 100.0;
  f.fps = elapsed > 0 ? finished / elapsed : 0;
  f.bytes_per_s = elapsed > 0 ? c.bytes / elapsed : 0;
  f.recent_fps = RecentFilesPerSec(now_ms, finished);
  f.recent_bytes_per_s = RecentBytesPerSec(now_ms, c.bytes);
  double rate = f.recent_fps > 0 ? f.recent_fps : f.fps;
  uint64_t left = c.total > f.done ? c.total - f.done : 0;
  f.eta_seconds = rate > 0 ? left / rate : (left ? -1 : 0);
  return f;
}

std::string ProgressMeter::Line(int64_t now_ms, const ProgressCounts& c) const {
  ProgressFigures f = Figures(now_ms, c);
  uint64_t finished = c.succeeded + c.failed;
  double error_rate = finished ? 100.0 * c.failed / finished : 0;
  return StringPrintf(
      "progress %llu/%llu (%.1f%%) | %.1f files/s (recent %.1f) | %.1f MB/s "
      "(recent %.1f) | ETA %s | ok %llu, failed %llu, retrying %llu | "
      "errors %.2f%%",
      static_cast<unsigned long long>(f.done),
      static_cast<unsigned long long>(c.total), f.percent, f.fps, f.recent_fps,
      f.bytes_per_s / 1e6, f.recent_bytes_per_s / 1e6,
      FormatDuration(f.eta_seconds).c_str(),
      static_cast<unsigned long long>(c.succeeded),
      static_cast<unsigned long long>(c.failed),
      static_cast<unsigned long long>(c.retrying), error_rate);
}

std::string ProgressMeter::StatusBar(int64_t now_ms, const ProgressCounts& c,
                                     LimitFigures limit, size_t width) const {
  ProgressFigures f = Figures(now_ms, c);
  auto ull = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  enum { kDone, kNow, kAvg, kEta, kFailed, kRetrying, kLimit };
  std::vector<std::string> fields = {
      StringPrintf("%llu/%llu %.1f%%", ull(f.done), ull(c.total), f.percent),
      StringPrintf("now %.0f files/s %.1f MB/s", f.recent_fps,
                   f.recent_bytes_per_s / 1e6),
      StringPrintf("avg %.0f files/s %.1f MB/s", f.fps, f.bytes_per_s / 1e6),
      "ETA " + FormatDuration(f.eta_seconds),
      c.failed ? StringPrintf("failed %llu", ull(c.failed)) : "",
      c.retrying ? StringPrintf("retrying %llu", ull(c.retrying)) : "",
      limit.limit < limit.max
          ? StringPrintf("limit %d/%d", limit.limit, limit.max)
          : "",
  };
  return FitFields(fields, {kAvg, kRetrying, kNow, kLimit, kFailed, kEta},
                   width);
}

std::string FitFields(const std::vector<std::string>& fields,
                      const std::vector<size_t>& drop_order, size_t width) {
  std::vector<bool> keep(fields.size(), true);
  auto join = [&] {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (!keep[i] || fields[i].empty()) continue;
      if (!out.empty()) out += " | ";
      out += fields[i];
    }
    return out;
  };
  std::string line = join();
  if (width == 0) return line;
  for (size_t i = 0; i < drop_order.size() && line.size() >= width; ++i) {
    keep[drop_order[i]] = false;
    line = join();
  }
  if (width > 0 && line.size() >= width) line.resize(width - 1);
  return line;
}

std::string StringPrintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list again;
  va_copy(again, ap);
  int n = std::vsnprintf(nullptr, 0, fmt, ap);
  va_end(ap);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size() + 1, fmt, again);
  va_end(again);
  return out;
}

}  // namespace cfm
