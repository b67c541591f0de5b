// Keeping the API token out of everything cfmigrate writes: the console,
// the log files and the state files. One function, Redact(), decides what
// is secret; RedactLogs() puts it in front of every log sink so no log
// line can bypass it.
#ifndef CFMIGRATE_REDACT_H_
#define CFMIGRATE_REDACT_H_

#include <string>
#include <string_view>

namespace cfm {

// What to hide. Both fields may be empty (nothing to hide).
struct Secret {
  std::string token;        // API_AUTH_TOKEN
  std::string query_param;  // API_AUTH_QUERY_PARAM when the token goes there
};

// Returns `text` with every occurrence of the token (as is, or
// percent-encoded as a query value) replaced by "***", and the value of
// every `query_param=` (after `?`, `&` or `;`, up to the next `&`, `#`,
// quote, `>` or white space) replaced by "***". Pure; never fails.
std::string Redact(std::string_view text, const Secret& secret);

// Wraps every sink of spdlog's default logger (call after InitLogging) so
// that each message passes through Redact before it is formatted, for the
// console and the log file alike. Call from the main thread before logging
// from other threads. Calling it again replaces the secret.
void RedactLogs(const Secret& secret);

}  // namespace cfm

#endif  // CFMIGRATE_REDACT_H_
