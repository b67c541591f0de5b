#include "stop_signals.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace cfm {
namespace {

std::atomic<int> g_stop_signals{0};
std::atomic<bool> g_starting{true};
// The phase text lives in one of two buffers; the handler reads the one
// `g_phase` points at, which SetStartupPhase fills before publishing it.
char g_phase_text[2][401];
std::atomic<const char*> g_phase{"starting"};
std::mutex g_phase_mu;
int g_next_buffer = 0;

void WriteAll(const char* text) {
  size_t n = std::strlen(text);
  while (n > 0) {
    ssize_t w = ::write(STDERR_FILENO, text, n);
    if (w <= 0) return;
    text += w;
    n -= static_cast<size_t>(w);
  }
}

// Async-signal-safe: write(2) and _exit(2) only.
void OnStopSignal(int) {
  if (g_starting.load()) {
    WriteAll("\ncfmigrate: interrupted while ");
    WriteAll(g_phase.load());
    WriteAll("; nothing was changed\n");
    ::_exit(130);
  }
  g_stop_signals.fetch_add(1);
}

void Install() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa = {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
  });
}

}  // namespace

void InstallStartupSignals() { Install(); }

void SetStartupPhase(std::string_view what) {
  std::lock_guard<std::mutex> lock(g_phase_mu);
  char* buffer = g_phase_text[g_next_buffer];
  g_next_buffer = 1 - g_next_buffer;
  size_t n = std::min(what.size(), sizeof(g_phase_text[0]) - 1);
  std::memcpy(buffer, what.data(), n);
  buffer[n] = '\0';
  g_phase.store(buffer);
}

const std::atomic<int>* InstallStopSignals() {
  Install();
  g_starting.store(false);
  return &g_stop_signals;
}

}  // namespace cfm
