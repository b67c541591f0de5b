// Console + file logging for the subcommands, on spdlog, and the one writer
// of the terminal. After InitLogging, use spdlog::info/warn/error/debug
// anywhere (thread-safe). Never log a secret: credentials are masked by the
// code that handles them.
//
// The terminal: log lines go to stderr, the live status line (when there is
// one) to stdout, both through one writer that clears the live line before
// a log line and redraws it after, so no screen line ever holds both.
#ifndef CFMIGRATE_LOG_H_
#define CFMIGRATE_LOG_H_

#include <cstddef>
#include <string>

#include "status.h"

namespace cfm {

// Sends log lines to stderr (plain) and to `log_path` (with timestamps,
// appended). `level` is TRACE, DEBUG, INFO, WARN or ERROR (any case).
// Fails with kIOError when the log file cannot be opened.
Status InitLogging(const std::string& log_path, const std::string& level);

// Flushes the file sink; call before exit.
void FlushLogs();

// Prints `line` to stdout as is (no level prefix) and writes it to the log
// file as an info line: for reports whose text is the output (dry run).
void PrintLine(const std::string& line);

// PrintLine for each line of `text` (a final newline ends the last line).
void PrintLines(const std::string& text);

// Whether a live line may be drawn: stdout is a terminal, NO_COLOR is not
// set and TERM is not "dumb". Decided once, at the first call.
bool LiveLineEnabled();

// The terminal's width in columns, read at the first call and again after
// each SIGWINCH; 80 when it cannot be read. Any thread.
size_t TerminalWidth();

// Replaces the live line with `text` (which must fit TerminalWidth()) and
// draws it; "" removes it. Does nothing when !LiveLineEnabled(). Any thread.
void SetLiveLine(const std::string& text);

}  // namespace cfm

#endif  // CFMIGRATE_LOG_H_
