// What every subcommand does first: answer --help, load and check settings.
#ifndef CFMIGRATE_CLI_H_
#define CFMIGRATE_CLI_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "settings.h"
#include "state_lock.h"

namespace cfm {

// Prints help and returns 0 when `args` hold --help or -h; loads settings
// into `*settings` and returns nullopt when they are good; prints every
// problem to stderr and returns 2 when they are not. Env-file AWS_* names
// are exported to the process environment (without overriding it).
std::optional<int> PrepareCommand(unsigned mask,
                                  const std::vector<std::string>& args,
                                  Settings* settings);

// Creates `dir` and its parents when missing. kIOError naming it on failure.
Status MakeDirs(const std::string& dir);

// What every command that keeps state does next: creates STATE_DIR, takes
// its lock (one run per STATE_DIR at a time) into `*lock`, and starts
// logging to the console and STATE_DIR/`log_name`. Returns -1 when all is
// well, else prints the problem and returns exit code 2.
int OpenStateDir(const Settings& settings, unsigned mask, const char* log_name,
                 std::unique_ptr<StateLock>* lock);

// Joins STATE_DIR and a file name ("." keeps the name as is).
std::string StatePath(const Settings& settings, const std::string& name);

}  // namespace cfm

#endif  // CFMIGRATE_CLI_H_
