// CONCURRENCY=auto: chooses how many transfers to keep in flight from what
// the run achieves. Pure logic: the caller samples its counters every tick
// (about 100 ms) and applies the limit this returns; time comes from a
// Clock so tests drive it with FakeClock.
//
// How it decides, one measurement window at a time (the first waits until
// `limit` objects have finished: connections are being made; a window waits
// for the transfers started at a new limit to settle, and after a rise
// until `limit` more objects have finished, then lasts at least
// `window_ms` and `window_objects` finished objects; a window in which the
// transfers in flight stayed well below the limit, e.g. at the end of the
// list, decides nothing). A level's files/s is the mean of its last three
// windows, so one lucky window neither sets the bar nor clears it:
//  - grow: doubles the limit while each doubling raises files/s by >= 10 %;
//    the first doubling that does not is a plateau. One window judges a
//    doubling that gained >= 20 % or lost; the start level and a doubling
//    in between are judged by the mean of two;
//  - descend: from the last level that still rose (the start, when the
//    very first doubling did not or the start is the ceiling), halves the
//    limit while half as many do >= 95 % as well as the best step so far
//    (that level, the doubling past it, the halvings kept), then goes back
//    one step. A CPU-bound run (loopback, a small instance) ends near the
//    fewest that keep the CPU busy; a latency-bound one loses files/s at
//    once and stays;
//  - steady: every `probe_interval_ms` tries +25 %, kept when files/s rises
//    >= 3 %, then -20 %, kept when files/s stays >= 97 % of the level's
//    and >= 92 % of the best level's lately (so that probes that each
//    lose a little cannot walk the limit down step by step). A probe runs
//    one window and then goes back for one: it is judged against the
//    level's windows just before and just after it, so a machine that
//    speeds up or slows down meanwhile favours neither side. A kept probe
//    is followed by another the same way; while neither way gains, the
//    interval doubles (up to 4x); when the level itself falls below that
//    92 %, the best is forgotten and probing starts again;
//  - throttling: when the limit in force falls below the one chosen (the
//    S3 SlowDown/503 decrease of ConcurrencyLimit), follows it down and
//    raises nothing for `throttle_hold_ms`;
//  - ceiling: never above `max` nor memory_bound / bytes_per_transfer, and
//    when the process's resident memory passes memory_bound, lowers the
//    limit by a quarter and keeps that as the new ceiling.
// Not thread-safe: one thread (the migrate monitor) calls Update.
#ifndef CFMIGRATE_CONCURRENCY_AUTO_H_
#define CFMIGRATE_CONCURRENCY_AUTO_H_

#include <cstdint>

#include "clock.h"

namespace cfm {

class AutoConcurrency {
 public:
  struct Options {
    int start = 150;                       // the first limit (today's default)
    int min = 4;                           // never below
    int max = 1000;                        // MAX_CONCURRENCY
    int64_t memory_bound_bytes = 0;        // 0: no memory bound
    int64_t bytes_per_transfer = 1 << 20;  // memory one transfer may hold
    int64_t window_ms = 1000;
    int64_t window_objects = 80;
    int64_t max_window_ms = 10000;  // a window ends then, however few objects
    int64_t probe_interval_ms = 5000;
    int64_t throttle_hold_ms = 5000;
  };
  // What the run looks like now. Counters are cumulative since the start.
  struct Sample {
    uint64_t finished = 0;   // objects done (succeeded or failed)
    uint64_t bytes = 0;      // bytes copied
    int in_flight = 0;       // transfers in flight now
    int limit_in_force = 0;  // the limit the loops obey now (0: unknown)
    int64_t rss_bytes = 0;   // resident memory of the process (0: unknown)
  };

  // `clock` is not owned and must outlive this.
  AutoConcurrency(const Options& options, Clock* clock);

  // Takes one sample; returns the limit to apply from now on (between
  // min and ceiling()).
  int Update(const Sample& s);

  int limit() const { return limit_; }
  // The highest limit allowed now (max, memory bound).
  int ceiling() const { return ceiling_; }
  // Windows measured so far, and the last one's files/s (for a debug log).
  int windows() const { return windows_; }
  double last_rate() const { return last_rate_; }

 private:
  enum class Phase { kGrow, kDescend, kSteady, kProbe, kProbeBack };
  struct Window {
    int64_t start_ms = 0;
    uint64_t finished = 0;
    int64_t in_flight_sum = 0;
    int samples = 0;
    int saturated = 0;
  };

  // Sets the limit (clamped) and starts a new window once the transfers
  // started at the old limit have had time to finish. `known_rate` (0:
  // none) is what that level did when last measured.
  void SetLimit(int limit, int64_t now, double known_rate = 0);
  void StartWindow(const Sample& s, int64_t now);
  bool Guards(const Sample& s, int64_t now);  // throttle, memory
  void Forget();                              // every rate measured so far
  void AddToLevel(double rate);
  void EnterSteady(int64_t now);
  void Decide(double rate, int64_t now);
  void DecideGrow(double rate, int64_t now);
  void DecideDescend(double rate, int64_t now);
  void DecideSteady(double rate, int64_t now);
  void DecideProbe(double rate, int64_t now);
  void DecideBack(double rate, int64_t now);

  const Options options_;
  Clock* clock_;
  int limit_;
  int ceiling_;
  Phase phase_ = Phase::kGrow;
  Window window_;
  bool window_open_ = false;
  bool warm_ = false;  // the first `limit` objects have finished
  int64_t settle_until_ms_ = 0;
  uint64_t settle_finished_ = 0;  // and until this many have finished
  uint64_t finished_ = 0;         // the last sample's
  int64_t hold_until_ms_ = 0;
  int64_t probe_interval_ms_;  // grows while probes keep the level
  int64_t next_probe_ms_ = 0;
  bool probe_down_next_ = false;
  bool probe_up_ = false;     // the probe under way raised the limit
  int probe_limit_ = 0;       // its limit
  double probe_rate_ = 0;     // and files/s there
  double before_rate_ = 0;    // the level's window just before it
  int64_t latency_ms_ = 100;  // last window's in flight / files/s
  int base_limit_ = 0;        // the last level kept (grow step, probe)
  double base_rate_ = 0;      // files/s measured there
  double top_rate_ = 0;       // best files/s of the current descent's steps
  double level_rate_ = 0;     // mean files/s of the level's last windows
  int level_windows_ = 0;     // how many of them (at most 3)
  double best_level_ = 0;     // best level_rate_ lately (decays slowly)
  int64_t memory_checked_ms_ = 0;
  int windows_ = 0;
  double last_rate_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_CONCURRENCY_AUTO_H_
