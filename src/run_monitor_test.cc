#include "run_monitor.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace cfm {
namespace {

class FakeSink : public MonitoredSink {
 public:
  Status Sync() override {
    ++syncs;
    return sync_result;
  }
  void StopRun(const std::string& message) override {
    stop_messages.push_back(message);
    stop = true;
  }
  bool stop_requested() const override { return stop; }
  uint64_t succeeded() const override { return ok; }
  uint64_t failed() const override { return bad; }
  uint64_t malformed() const override { return broken; }
  uint64_t bytes() const override { return byte_count; }

  Status sync_result;
  int syncs = 0;
  std::vector<std::string> stop_messages;
  bool stop = false;
  uint64_t ok = 0, bad = 0, broken = 0, byte_count = 0;
};

class FakeDisplay : public LiveDisplay {
 public:
  Status Tick(int64_t now_ms, const LiveFigures& f) override {
    ticks.push_back(now_ms);
    last = f;
    return result;
  }
  std::vector<int64_t> ticks;
  LiveFigures last;
  Status result;
};

// Everything to log goes to `text` while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }
  int Count(const std::string& needle) const {
    std::string t = out_.str();
    int n = 0;
    for (size_t at = t.find(needle); at != std::string::npos;
         at = t.find(needle, at + 1))
      ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

struct MonitorRig {
  FakeClock clock;
  RunControl run;
  std::atomic<int> signals{0};
  FakeSink sink;
  ConcurrencyLimit limit{150};
  FakeDisplay view;
  int feed_stops = 0;
  uint64_t skipped = 0;
  int rounds_left = 0;  // how many more times `working` says yes
  int64_t rss = 0;

  RunMonitor::Parts Parts(AutoConcurrency* auto_limit = nullptr) {
    RunMonitor::Parts p;
    p.clock = &clock;
    p.run = &run;
    p.stop_signals = &signals;
    p.sink = &sink;
    p.limit = &limit;
    p.auto_limit = auto_limit;
    p.view = &view;
    p.stop_feed = [this] { ++feed_stops; };
    p.feed_skipped = [this] { return skipped; };
    p.working = [this] { return rounds_left-- > 0; };
    p.resident_bytes = [this] { return rss; };
    p.total = 1000;
    p.already_done = 40;
    return p;
  }
};

TEST(RunMonitorTest, FirstSignalStopsTheFeedAndSaysSoOnce) {
  LogCapture log;
  MonitorRig rig;
  RunMonitor monitor(rig.Parts());
  rig.run.in_flight = 7;
  monitor.Tick(100);
  EXPECT_EQ(rig.feed_stops, 0);
  EXPECT_FALSE(rig.run.stop_starting.load());
  rig.signals = 1;
  monitor.Tick(200);
  monitor.Tick(300);
  monitor.Tick(400);
  EXPECT_EQ(rig.feed_stops, 1);
  EXPECT_TRUE(rig.run.stop_starting.load());
  EXPECT_FALSE(rig.run.abort_now.load());
  EXPECT_EQ(log.Count("interrupted: finishing 7 transfers in flight (up to "
                      "30 s); interrupt again to abort them"),
            1);
  EXPECT_EQ(log.Count("aborting"), 0);
}

TEST(RunMonitorTest, SecondSignalAbortsAtOnce) {
  LogCapture log;
  MonitorRig rig;
  RunMonitor monitor(rig.Parts());
  rig.signals = 1;
  monitor.Tick(100);
  EXPECT_FALSE(rig.run.abort_now.load());
  rig.signals = 2;
  monitor.Tick(200);
  monitor.Tick(300);
  EXPECT_TRUE(rig.run.abort_now.load());
  EXPECT_EQ(rig.feed_stops, 1);
  EXPECT_EQ(log.Count("aborting transfers in flight; they will be redone "
                      "next run"),
            1);
}

TEST(RunMonitorTest, GracePeriodEndAborts) {
  LogCapture log;
  MonitorRig rig;
  RunMonitor monitor(rig.Parts());
  rig.signals = 1;
  monitor.Tick(1000);
  monitor.Tick(1000 + kStopGraceMs);
  EXPECT_FALSE(rig.run.abort_now.load());
  EXPECT_EQ(log.Count("aborting"), 0);
  monitor.Tick(1000 + kStopGraceMs + 100);
  EXPECT_TRUE(rig.run.abort_now.load());
  EXPECT_EQ(log.Count("aborting"), 1);
}

TEST(RunMonitorTest, RunStoppingErrorStopsTheFeedWithoutInterruptLine) {
  LogCapture log;
  MonitorRig rig;
  RunMonitor monitor(rig.Parts());
  rig.sink.stop = true;
  monitor.Tick(100);
  EXPECT_EQ(rig.feed_stops, 1);
  EXPECT_TRUE(rig.run.stop_starting.load());
  EXPECT_EQ(log.Count("interrupted"), 0);
  // In-flight transfers still get the grace period, then are aborted.
  monitor.Tick(100 + kStopGraceMs + 1);
  EXPECT_TRUE(rig.run.abort_now.load());
}

TEST(RunMonitorTest, FailingSyncStopsTheRunWithItsReason) {
  MonitorRig rig;
  RunMonitor monitor(rig.Parts());
  rig.sink.sync_result =
      Status::IOError("fdatasync /state/completed.txt: No space left");
  monitor.Tick(1000);
  ASSERT_EQ(rig.sink.stop_messages.size(), 1u);
  EXPECT_EQ(rig.sink.stop_messages[0], rig.sink.sync_result.ToString());
  // The stop then reaches the feed like any run-stopping error.
  monitor.Tick(1100);
  EXPECT_EQ(rig.feed_stops, 1);
}

TEST(RunMonitorTest, SucceedingSyncStopsNothing) {
  MonitorRig rig;
  RunMonitor monitor(rig.Parts());
  monitor.Tick(1000);
  monitor.Tick(1100);
  EXPECT_EQ(rig.sink.syncs, 1);
  EXPECT_TRUE(rig.sink.stop_messages.empty());
  EXPECT_EQ(rig.feed_stops, 0);
}

TEST(RunMonitorTest, SyncsAtMostOnceASecond) {
  MonitorRig rig;
  rig.clock.Advance(500);  // the first Sync is due a second after this
  RunMonitor monitor(rig.Parts());
  for (int64_t t = 600; t <= 3500; t += 100) monitor.Tick(t);
  EXPECT_EQ(rig.sink.syncs, 3);  // at 1500, 2500 and 3500
  monitor.Tick(3600);
  EXPECT_EQ(rig.sink.syncs, 3);
}

TEST(RunMonitorTest, RunTicksEachRoundUntilTheWorkIsDone) {
  MonitorRig rig;
  rig.rounds_left = 5;
  RunMonitor monitor(rig.Parts());
  monitor.Run();
  EXPECT_EQ(rig.view.ticks, (std::vector<int64_t>{100, 200, 300, 400, 500}));
  EXPECT_EQ(rig.clock.NowMs(), 500);
}

TEST(RunMonitorTest, RunReturnsAtOnceWhenNothingRuns) {
  MonitorRig rig;
  RunMonitor monitor(rig.Parts());
  monitor.Run();
  EXPECT_TRUE(rig.view.ticks.empty());
  EXPECT_EQ(rig.clock.NowMs(), 0);
}

TEST(RunMonitorTest, ViewShowsTheRunsFigures) {
  MonitorRig rig;
  RunMonitor monitor(rig.Parts());
  rig.sink.ok = 12;
  rig.sink.bad = 3;
  rig.sink.broken = 2;
  rig.sink.byte_count = 4096;
  rig.run.in_flight = 9;
  rig.run.retrying = 4;
  rig.skipped = 55;  // more than completed.txt held: counted up to that
  rig.limit.Set(80);
  monitor.Tick(100);
  const LiveFigures& f = rig.view.last;
  EXPECT_EQ(f.counts.total, 1000u);
  EXPECT_EQ(f.counts.skipped, 40u);
  EXPECT_EQ(f.counts.succeeded, 12u);
  EXPECT_EQ(f.counts.failed, 3u);
  EXPECT_EQ(f.counts.retrying, 4u);
  EXPECT_EQ(f.counts.bytes, 4096u);
  EXPECT_EQ(f.malformed, 2u);
  EXPECT_EQ(f.in_flight, 9);
  EXPECT_EQ(f.limit.limit, 80);
  EXPECT_EQ(f.limit.max, 150);
  rig.skipped = 10;
  rig.run.retrying = -1;  // a counter briefly below zero shows as 0
  EXPECT_EQ(monitor.Figures().counts.skipped, 10u);
  EXPECT_EQ(monitor.Figures().counts.retrying, 0u);
}

TEST(RunMonitorTest, ViewFailureIsLoggedAndTheRunGoesOn) {
  LogCapture log;
  MonitorRig rig;
  rig.rounds_left = 2;
  rig.view.result = Status::IOError("rename /state/status.json: denied");
  RunMonitor monitor(rig.Parts());
  monitor.Run();
  EXPECT_EQ(rig.view.ticks.size(), 2u);
  EXPECT_EQ(log.Count("rename /state/status.json: denied"), 2);
  EXPECT_TRUE(rig.sink.stop_messages.empty());
}

// A controller that decides fast: warm after 4 finished objects, windows of
// 100 ms and 4 objects.
AutoConcurrency::Options QuickAuto() {
  AutoConcurrency::Options o;
  o.start = 8;
  o.max = 64;
  o.window_ms = 100;
  o.window_objects = 4;
  return o;
}

TEST(RunMonitorTest, AutoControllerGrowsOnTheSinksCounters) {
  MonitorRig rig;
  AutoConcurrency auto_limit(QuickAuto(), &rig.clock);
  rig.limit.Set(auto_limit.limit());
  rig.run.in_flight = 8;  // saturated: the windows count
  RunMonitor monitor(rig.Parts(&auto_limit));
  for (int round = 1; round <= 10; ++round) {
    rig.clock.Advance(100);
    rig.sink.ok += 6;
    rig.sink.bad += 2;
    monitor.Tick(rig.clock.NowMs());
  }
  EXPECT_EQ(auto_limit.limit(), 16);
  EXPECT_EQ(rig.limit.limit(), 16);  // applied to the loops' limit
}

TEST(RunMonitorTest, AutoControllerHoldsWhileNothingFinishes) {
  MonitorRig rig;
  AutoConcurrency auto_limit(QuickAuto(), &rig.clock);
  rig.limit.Set(auto_limit.limit());
  rig.run.in_flight = 8;
  RunMonitor monitor(rig.Parts(&auto_limit));
  for (int round = 1; round <= 10; ++round) {
    rig.clock.Advance(100);
    monitor.Tick(rig.clock.NowMs());
  }
  EXPECT_EQ(auto_limit.limit(), 8);
  EXPECT_EQ(rig.limit.limit(), 8);
}

TEST(RunMonitorTest, AutoControllerSeesResidentMemory) {
  MonitorRig rig;
  AutoConcurrency::Options o = QuickAuto();
  o.memory_bound_bytes = 64 << 20;
  AutoConcurrency auto_limit(o, &rig.clock);
  rig.limit.Set(auto_limit.limit());
  RunMonitor monitor(rig.Parts(&auto_limit));
  rig.rss = 65 << 20;
  monitor.Tick(100);
  EXPECT_EQ(auto_limit.limit(), 6);  // a quarter less
  EXPECT_EQ(rig.limit.limit(), 6);
}

TEST(RunMonitorTest, WithoutAutoTheLimitIsLeftAlone) {
  MonitorRig rig;
  rig.limit.Set(60);
  RunMonitor monitor(rig.Parts());
  for (int64_t t = 100; t <= 2000; t += 100) monitor.Tick(t);
  EXPECT_EQ(rig.limit.limit(), 60);
}

TEST(ResidentBytesTest, ReadsThisProcesssMemory) {
  EXPECT_GT(ResidentBytes(), 0);
}

}  // namespace
}  // namespace cfm
