#include "concurrency.h"

#include <algorithm>

namespace cfm {

ConcurrencyLimit::ConcurrencyLimit(int max, int min)
    : max_(max), min_(std::min(min, max)), limit_(max), ceiling_(max) {}

bool ConcurrencyLimit::OnThrottle(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (now_ms - last_throttle_ms_ < 1000) return false;
  last_throttle_ms_ = now_ms;
  successes_since_change_ = 0;
  int old = limit_.load();
  int lowered = std::max(min_, old / 2);
  limit_.store(lowered);
  return lowered != old;
}

bool ConcurrencyLimit::OnSuccess(int64_t now_ms) {
  int top = ceiling_.load(std::memory_order_relaxed);
  if (limit_.load(std::memory_order_relaxed) >= top) return false;
  std::lock_guard<std::mutex> lock(mu_);
  int current = limit_.load();
  if (current >= top || now_ms - last_throttle_ms_ < 5000) return false;
  if (++successes_since_change_ < current) return false;
  successes_since_change_ = 0;
  limit_.store(std::min(top, current + std::max(1, (top - current) / 10)));
  return true;
}

void ConcurrencyLimit::Set(int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  int clamped = std::clamp(limit, min_, max_);
  ceiling_.store(clamped);
  limit_.store(clamped);
  successes_since_change_ = 0;
}

}  // namespace cfm
