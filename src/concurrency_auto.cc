#include "concurrency_auto.h"

#include <algorithm>

namespace cfm {
namespace {

constexpr double kGrowGain = 1.10;   // a doubling must give this much more
constexpr double kGrowClear = 1.20;  // ... and one window is enough above this
constexpr double kProbeGain = 1.03;  // +25 % must give this much more
constexpr double kKeep = 0.95;       // half as many may cost this much
constexpr double kProbeKeep = 0.97;  // -20 % may cost this much of the level
constexpr double kFloor = 0.92;      // ... and this much of the best lately
constexpr double kBestDecay = 0.98;  // per window
constexpr int kLevelWindows = 3;     // a level's rate: its last windows' mean

}  // namespace

AutoConcurrency::AutoConcurrency(const Options& options, Clock* clock)
    : options_(options),
      clock_(clock),
      probe_interval_ms_(options.probe_interval_ms) {
  ceiling_ = std::max(1, options_.max);
  if (options_.memory_bound_bytes > 0 && options_.bytes_per_transfer > 0)
    ceiling_ = static_cast<int>(std::min<int64_t>(
        ceiling_, options_.memory_bound_bytes / options_.bytes_per_transfer));
  ceiling_ = std::max(ceiling_, std::min(options_.min, options_.max));
  limit_ =
      std::clamp(options_.start, std::min(options_.min, ceiling_), ceiling_);
}

int AutoConcurrency::Update(const Sample& s) {
  int64_t now = clock_->NowMs();
  finished_ = s.finished;
  if (Guards(s, now) || now < settle_until_ms_ || s.finished < settle_finished_)
    return limit_;
  // The first answers of a run come after connections are made: measure
  // from when the first round of transfers has finished.
  if (!warm_) {
    warm_ = s.finished >= static_cast<uint64_t>(limit_);
    if (!warm_) return limit_;
  }
  if (!window_open_) {
    StartWindow(s, now);
    return limit_;
  }
  window_.in_flight_sum += s.in_flight;
  window_.samples++;
  if (s.in_flight * 10 >= limit_ * 9) window_.saturated++;
  int64_t elapsed = now - window_.start_ms;
  uint64_t done = s.finished - window_.finished;
  bool enough = elapsed >= std::max(options_.window_ms, 2 * latency_ms_) &&
                done >= static_cast<uint64_t>(options_.window_objects);
  if (!enough && elapsed < options_.max_window_ms) return limit_;
  window_open_ = false;
  // Fewer in flight than the limit (end of the list, retries waiting): the
  // rate says nothing about the limit.
  if (done == 0 || window_.saturated * 2 < window_.samples) {
    StartWindow(s, now);
    return limit_;
  }
  double rate = static_cast<double>(done) * 1000.0 / elapsed;
  double mean_in_flight =
      static_cast<double>(window_.in_flight_sum) / window_.samples;
  latency_ms_ = std::clamp<int64_t>(
      static_cast<int64_t>(mean_in_flight / rate * 1000.0), 10, 5000);
  windows_++;
  last_rate_ = rate;
  AddToLevel(rate);
  Decide(rate, now);
  if (!window_open_ && now >= settle_until_ms_) StartWindow(s, now);
  return limit_;
}

void AutoConcurrency::StartWindow(const Sample& s, int64_t now) {
  window_ = Window{};
  window_.start_ms = now;
  window_.finished = s.finished;
  window_open_ = true;
}

void AutoConcurrency::SetLimit(int limit, int64_t now, double known_rate) {
  limit = std::clamp(limit, std::min(options_.min, ceiling_), ceiling_);
  if (limit == limit_) return;
  // Transfers added make their connections first (TLS handshakes on both
  // sides): measure once every slot has finished an object.
  if (limit > limit_) settle_finished_ = finished_ + limit;
  limit_ = limit;
  window_open_ = false;
  settle_until_ms_ = now + std::clamp<int64_t>(latency_ms_ * 3 / 2, 100, 2000);
  level_rate_ = known_rate;
  level_windows_ = known_rate > 0 ? 1 : 0;
}

void AutoConcurrency::Forget() {
  base_rate_ = top_rate_ = level_rate_ = best_level_ = 0;
  level_windows_ = 0;
}

void AutoConcurrency::AddToLevel(double rate) {
  level_windows_ = std::min(level_windows_ + 1, kLevelWindows);
  level_rate_ += (rate - level_rate_) / level_windows_;
  best_level_ *= kBestDecay;
  if (level_windows_ >= 2) best_level_ = std::max(best_level_, level_rate_);
}

bool AutoConcurrency::Guards(const Sample& s, int64_t now) {
  if (s.limit_in_force > 0 && s.limit_in_force < limit_) {  // throttled
    limit_ = std::max(std::min(options_.min, ceiling_), s.limit_in_force);
    hold_until_ms_ = now + options_.throttle_hold_ms;
    phase_ = Phase::kSteady;
    probe_interval_ms_ = options_.probe_interval_ms;
    next_probe_ms_ = hold_until_ms_;
    probe_down_next_ = false;
    Forget();
    window_open_ = false;
    settle_until_ms_ = now + std::clamp<int64_t>(latency_ms_, 100, 5000);
    return true;
  }
  if (options_.memory_bound_bytes > 0 &&
      s.rss_bytes > options_.memory_bound_bytes && now >= memory_checked_ms_ &&
      limit_ > options_.min) {
    ceiling_ = std::max(std::min(options_.min, ceiling_), limit_ * 3 / 4);
    SetLimit(ceiling_, now);
    phase_ = Phase::kSteady;
    probe_interval_ms_ = options_.probe_interval_ms;
    next_probe_ms_ = now + probe_interval_ms_;
    Forget();
    // Memory given back takes a while to show: look again later.
    memory_checked_ms_ = now + std::max<int64_t>(2000, options_.window_ms);
    return true;
  }
  return false;
}

void AutoConcurrency::EnterSteady(int64_t now) {
  phase_ = Phase::kSteady;
  next_probe_ms_ = now + probe_interval_ms_;
}

void AutoConcurrency::Decide(double rate, int64_t now) {
  switch (phase_) {
    case Phase::kGrow:
      return DecideGrow(rate, now);
    case Phase::kDescend:
      return DecideDescend(rate, now);
    case Phase::kSteady:
      return DecideSteady(rate, now);
    case Phase::kProbe:
      return DecideProbe(rate, now);
    case Phase::kProbeBack:
      return DecideBack(rate, now);
  }
}

void AutoConcurrency::DecideGrow(double rate, int64_t now) {
  bool first = base_rate_ == 0;
  // One window decides a doubling that clearly gained or lost; the first
  // level, and a doubling that gained less than kGrowClear, are judged by
  // the mean of two (one 1-s window varies by +-10 % on a shared machine,
  // about what a doubling gains near the knee).
  if (level_windows_ < 2 &&
      (first || (rate >= base_rate_ && rate < base_rate_ * kGrowClear)))
    return;
  rate = level_rate_;
  if (first || rate >= base_rate_ * kGrowGain) {
    base_limit_ = limit_;
    base_rate_ = rate;
    if (limit_ < ceiling_) return SetLimit(limit_ * 2, now);
    // Started at the ceiling: nothing said more would help, so see
    // whether fewer do as well, as after a plateau.
    if (!first) return EnterSteady(now);
  }
  // Plateau: the doubling gave (almost) nothing. When the CPU rather than
  // latency is the limit, fewer than the last level that still rose do as
  // well at less CPU per object: halve from there while they do as well as
  // the better of the two.
  phase_ = Phase::kDescend;
  top_rate_ = std::max(base_rate_, rate);
  if (base_limit_ > options_.min) return SetLimit(base_limit_ / 2, now);
  SetLimit(base_limit_, now, base_rate_);
  EnterSteady(now);
}

// A descent's halving: kept while files/s stays within 5 % of the best
// step of this descent (not of the last step: steps that each lose a
// little add up; and where the descent began may have been measured while
// connections were still being made) and within 8 % of the best level
// lately.
void AutoConcurrency::DecideDescend(double rate, int64_t now) {
  if (rate >= top_rate_ * kKeep && rate >= best_level_ * kFloor) {
    base_limit_ = limit_;
    base_rate_ = rate;
    top_rate_ = std::max(top_rate_, rate);
    if (limit_ > options_.min) return SetLimit(limit_ / 2, now);
  } else {
    SetLimit(base_limit_, now, base_rate_);
  }
  probe_down_next_ = false;  // the first probe goes up
  EnterSteady(now);
}

void AutoConcurrency::DecideSteady(double rate, int64_t now) {
  if (level_windows_ >= kLevelWindows && level_rate_ < best_level_ * kFloor) {
    // The level itself fell with the limit unchanged: the source, S3 or
    // the machine changed, and the best measured before says nothing now.
    best_level_ = level_rate_;
    probe_interval_ms_ = options_.probe_interval_ms;
    next_probe_ms_ = std::min(next_probe_ms_, now + probe_interval_ms_);
  }
  if (now < next_probe_ms_ || now < hold_until_ms_) return;
  int up = std::max(limit_ + 1, limit_ * 5 / 4);
  int down = std::min(limit_ - 1, limit_ * 4 / 5);
  probe_up_ = !probe_down_next_ && limit_ < ceiling_;
  if (!probe_up_ && limit_ <= options_.min) {
    probe_down_next_ = false;
    return EnterSteady(now);
  }
  base_limit_ = limit_;
  base_rate_ = level_rate_;
  before_rate_ = rate;
  phase_ = Phase::kProbe;
  SetLimit(probe_up_ ? up : down, now);
}

// One window at the probe's limit, then back to the level for one more:
// the probe is judged against the mean of the windows just before and just
// after it, so a machine that speeds up or slows down meanwhile (other
// guests of a shared host) favours neither side.
void AutoConcurrency::DecideProbe(double rate, int64_t now) {
  probe_rate_ = rate;
  probe_limit_ = limit_;
  phase_ = Phase::kProbeBack;
  SetLimit(base_limit_, now, base_rate_);
}

// +25 % is kept when files/s rises >= 3 %, -20 % when it stays >= 97 % of
// the level's and >= 92 % of the best level's lately (so that probes that
// each lose a little cannot walk the limit down step by step). A kept
// probe is followed by another in the same direction; when neither
// direction gains, probes come less often (up to 4x the interval).
void AutoConcurrency::DecideBack(double rate, int64_t now) {
  double level = (before_rate_ + rate) / 2;
  bool kept = probe_up_ ? probe_rate_ >= level * kProbeGain
                        : probe_rate_ >= level * kProbeKeep &&
                              probe_rate_ >= best_level_ * kFloor;
  phase_ = Phase::kSteady;
  if (kept) {
    probe_interval_ms_ = options_.probe_interval_ms;
    SetLimit(probe_limit_, now, probe_rate_);
    next_probe_ms_ = now;
    probe_down_next_ = !probe_up_;
    return;
  }
  if (probe_up_) {  // nothing gained above: see whether fewer do as well
    next_probe_ms_ = now;
    probe_down_next_ = true;
    return;
  }
  probe_interval_ms_ =
      std::min(probe_interval_ms_ * 2, options_.probe_interval_ms * 4);
  probe_down_next_ = false;
  EnterSteady(now);
}

}  // namespace cfm
