#include "stop_signals.h"

#include <signal.h>

#include <mutex>

namespace cfm {
namespace {

std::atomic<int> g_stop_signals{0};

void OnStopSignal(int) { g_stop_signals.fetch_add(1); }

}  // namespace

const std::atomic<int>* InstallStopSignals() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa = {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
  });
  return &g_stop_signals;
}

}  // namespace cfm
