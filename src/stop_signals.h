// SIGINT and SIGTERM from the first instruction of every command.
//
// Start-up (InstallStartupSignals, called first thing in main): a signal
// ends the process at once with exit code 130 after printing, to stderr,
// "cfmigrate: interrupted while <phase>; nothing was changed". Start-up
// only reads state (settings, completed.txt, the list), so exiting is safe.
//
// Run (InstallStopSignals, called once a command is about to change state):
// signals become a counter the long-running commands poll. The handler only
// increments it (the one thing a handler may safely do), so the first signal
// can mean "finish what is in flight" and the second "stop now".
// SIGPIPE is ignored so a closed socket is an error, not death.
#ifndef CFMIGRATE_STOP_SIGNALS_H_
#define CFMIGRATE_STOP_SIGNALS_H_

#include <atomic>
#include <string_view>

namespace cfm {

// Installs the handlers in start-up mode with the phase "starting". Call
// before anything else (main); later calls do nothing. Any thread.
void InstallStartupSignals();

// Names what start-up is doing now, for the message a signal prints (cut to
// 400 bytes). Only while in start-up mode; any thread.
void SetStartupPhase(std::string_view what);

// Ends start-up mode (installing the handlers first when needed; later calls
// just return the counter) and returns the process-wide count of
// SIGINT/SIGTERM received from now on.
const std::atomic<int>* InstallStopSignals();

}  // namespace cfm

#endif  // CFMIGRATE_STOP_SIGNALS_H_
