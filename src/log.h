// Console + file logging for the subcommands, on spdlog. After InitLogging,
// use spdlog::info/warn/error/debug anywhere (thread-safe). Never log a
// secret: credentials are masked by the code that handles them.
#ifndef CFMIGRATE_LOG_H_
#define CFMIGRATE_LOG_H_

#include <string>

#include "status.h"

namespace cfm {

// Sends log lines to stderr (plain) and to `log_path` (with timestamps,
// appended). `level` is TRACE, DEBUG, INFO, WARN or ERROR (any case).
// Fails with kIOError when the log file cannot be opened.
Status InitLogging(const std::string& log_path, const std::string& level);

// Flushes the file sink; call before exit.
void FlushLogs();

}  // namespace cfm

#endif  // CFMIGRATE_LOG_H_
