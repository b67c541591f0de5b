// SIGINT and SIGTERM as a counter the long-running commands poll: the
// handler only increments it (the one thing a handler may safely do), so
// the first signal can mean "finish what is in flight" and the second
// "stop now". SIGPIPE is ignored so a closed socket is an error, not death.
#ifndef CFMIGRATE_STOP_SIGNALS_H_
#define CFMIGRATE_STOP_SIGNALS_H_

#include <atomic>

namespace cfm {

// Installs the handlers (once; later calls just return the counter) and
// returns the process-wide count of SIGINT/SIGTERM received.
const std::atomic<int>* InstallStopSignals();

}  // namespace cfm

#endif  // CFMIGRATE_STOP_SIGNALS_H_
