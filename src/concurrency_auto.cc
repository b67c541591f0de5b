#include "concurrency_auto.h"

#include <algorithm>

namespace cfm {
namespace {

constexpr double kGrowGain = 1.10;        // a doubling must give this much more
constexpr double kProbeGain = 1.10;       // +25 % must give this much more
constexpr double kProbeKeep = 0.95;       // -20 % may cost at most this much
constexpr double kReferenceDecay = 0.98;  // per steady window

}  // namespace

AutoConcurrency::AutoConcurrency(const Options& options, Clock* clock)
    : options_(options), clock_(clock) {
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
  if (Guards(s, now) || now < settle_until_ms_) return limit_;
  // The first answers of a run come after connections are made: measure
  // from when the first round of transfers has finished.
  if (!warm_) {
    warm_ = s.finished >= static_cast<uint64_t>(limit_ / 2);
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

void AutoConcurrency::SetLimit(int limit, int64_t now) {
  limit = std::clamp(limit, std::min(options_.min, ceiling_), ceiling_);
  if (limit == limit_) return;
  limit_ = limit;
  window_open_ = false;
  settle_until_ms_ = now + std::clamp<int64_t>(latency_ms_ * 3 / 2, 100, 2000);
}

bool AutoConcurrency::Guards(const Sample& s, int64_t now) {
  if (s.limit_in_force > 0 && s.limit_in_force < limit_) {  // throttled
    limit_ = std::max(std::min(options_.min, ceiling_), s.limit_in_force);
    hold_until_ms_ = now + options_.throttle_hold_ms;
    phase_ = Phase::kSteady;
    next_probe_ms_ = hold_until_ms_;
    probe_down_next_ = false;
    level_best_ = reference_rate_ = 0;
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
    next_probe_ms_ = now + options_.probe_interval_ms;
    level_best_ = reference_rate_ = 0;
    // Memory given back takes a while to show: look again later.
    memory_checked_ms_ = now + std::max<int64_t>(2000, options_.window_ms);
    return true;
  }
  return false;
}

void AutoConcurrency::EnterSteady(int64_t now) {
  phase_ = Phase::kSteady;
  next_probe_ms_ = now + options_.probe_interval_ms;
}

void AutoConcurrency::Decide(double rate, int64_t now) {
  if (phase_ == Phase::kSteady) return DecideSteady(rate, now);
  if (phase_ == Phase::kShrink) return DecideShrink(rate, now);
  if (phase_ != Phase::kGrow) return DecideProbe(rate, now);
  if (base_rate_ == 0 || rate >= base_rate_ * kGrowGain) {
    base_limit_ = limit_;
    base_rate_ = level_best_ = rate;
    reference_rate_ = std::max(reference_rate_, rate);
    if (limit_ >= ceiling_) return EnterSteady(now);
    SetLimit(limit_ * 2, now);
    return;
  }
  reference_rate_ = std::max(reference_rate_, rate);
  level_best_ = base_rate_;
  if (rate < base_rate_ && base_limit_ == options_.start &&
      base_limit_ > options_.min) {
    // The first doubling lost files/s: the CPU, not latency, is the limit
    // already, and fewer in flight may do better. Halve from the start.
    phase_ = Phase::kShrink;
    SetLimit(base_limit_ / 2, now);
    return;
  }
  // Plateau: the last doubling gave (almost) nothing; go back to the level
  // that still raised files/s, and try lower ones first.
  SetLimit(base_limit_, now);
  probe_down_next_ = true;
  EnterSteady(now);
}

void AutoConcurrency::DecideShrink(double rate, int64_t now) {
  if (rate >= std::max(base_rate_, reference_rate_) * kProbeKeep) {
    // Half as many did as well: keep halving.
    base_limit_ = limit_;
    base_rate_ = level_best_ = rate;
    reference_rate_ = std::max(reference_rate_, rate);
    if (limit_ > options_.min) return SetLimit(limit_ / 2, now);
  } else {
    SetLimit(base_limit_, now);
    level_best_ = base_rate_;
  }
  probe_down_next_ = false;  // the steady probes refine it, up first
  EnterSteady(now);
}

void AutoConcurrency::DecideSteady(double rate, int64_t now) {
  // Both decay, so that a run that got slower (others took the CPU, the
  // origin slowed down) can still find that fewer in flight do as well.
  level_best_ = std::max(rate, level_best_ * kReferenceDecay);
  reference_rate_ = std::max(rate, reference_rate_ * kReferenceDecay);
  if (now < next_probe_ms_ || now < hold_until_ms_) return;
  base_limit_ = limit_;
  base_rate_ = level_best_;
  if (!probe_down_next_ && limit_ < ceiling_) {
    phase_ = Phase::kProbeUp;
    SetLimit(std::max(limit_ + 1, limit_ * 5 / 4), now);
  } else if (limit_ > options_.min) {
    phase_ = Phase::kProbeDown;
    SetLimit(std::min(limit_ - 1, limit_ * 4 / 5), now);
  } else {
    probe_down_next_ = false;
    EnterSteady(now);
  }
}

void AutoConcurrency::DecideProbe(double rate, int64_t now) {
  bool up = phase_ == Phase::kProbeUp;
  bool keep = up ? rate >= base_rate_ * kProbeGain
                 : rate >= std::max(base_rate_, reference_rate_) * kProbeKeep;
  if (keep) {
    base_limit_ = limit_;
    base_rate_ = level_best_ = rate;
    reference_rate_ = std::max(reference_rate_, rate);
    int next = up ? std::max(limit_ + 1, limit_ * 5 / 4)
                  : std::min(limit_ - 1, limit_ * 4 / 5);
    bool can =
        up ? limit_ < ceiling_ && now >= hold_until_ms_ : limit_ > options_.min;
    if (can) return SetLimit(next, now);  // same direction, one more step
    probe_down_next_ = !up;
    return EnterSteady(now);
  }
  SetLimit(base_limit_, now);
  level_best_ = base_rate_;
  if (up) {
    // Nothing gained above: see whether fewer would do as well, right away.
    phase_ = Phase::kSteady;
    next_probe_ms_ = now;
    probe_down_next_ = true;
  } else {
    probe_down_next_ = false;
    EnterSteady(now);
  }
}

}  // namespace cfm
