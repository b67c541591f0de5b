#include "stop_signals.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

namespace cfm {
namespace {

// Each case runs in a forked child, so the handlers and the start-up flag
// of this process stay as they were.

TEST(StopSignalsDeathTest, DuringStartUpASignalSaysWhatAndExits130) {
  EXPECT_EXIT(
      {
        InstallStartupSignals();
        SetStartupPhase("loading completed.txt");
        raise(SIGINT);
        std::exit(0);  // not reached
      },
      testing::ExitedWithCode(130),
      "cfmigrate: interrupted while loading completed.txt; nothing was "
      "changed");
}

TEST(StopSignalsDeathTest, SigtermBeforeAnyPhaseSaysStarting) {
  EXPECT_EXIT(
      {
        InstallStartupSignals();
        raise(SIGTERM);
        std::exit(0);
      },
      testing::ExitedWithCode(130), "interrupted while starting");
}

TEST(StopSignalsDeathTest, OnceRunningSignalsAreCounted) {
  EXPECT_EXIT(
      {
        InstallStartupSignals();
        const std::atomic<int>* count = InstallStopSignals();
        raise(SIGINT);
        raise(SIGTERM);
        std::exit(count->load());
      },
      testing::ExitedWithCode(2), "");
}

}  // namespace
}  // namespace cfm
