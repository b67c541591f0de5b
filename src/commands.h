// The subcommands: exit codes, entry points and the one table that
// dispatch, `cfmigrate --help`, each command's `--help` and the
// did-you-mean suggestion read. A new subcommand is a cmd_<name>.cc, its
// Run function below and a row in AllCommands() (commands.cc); a command
// with settings also gets a CommandMask bit (settings.h).
#ifndef CFMIGRATE_COMMANDS_H_
#define CFMIGRATE_COMMANDS_H_

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace cfm {

// Exit codes (docs/design.md): 0 done, 1 finished with failures, 2
// configuration or input error, 130 interrupted.
constexpr int kExitOk = 0;
constexpr int kExitFailures = 1;
constexpr int kExitConfig = 2;
constexpr int kExitInterrupted = 130;

// Each takes the arguments after the subcommand name and returns the exit
// code.
int RunCollect(const std::vector<std::string>& args);  // cmd_collect.cc
int RunDetectRegion(
    const std::vector<std::string>& args);              // cmd_detect_region.cc
int RunMigrate(const std::vector<std::string>& args);   // cmd_migrate.cc
int RunValidate(const std::vector<std::string>& args);  // cmd_validate.cc
int RunStatusCommand(const std::vector<std::string>& args);  // cmd_status.cc
// (The hidden debug-credentials runs RunCredentialsDiagnostic, credentials.h.)

// The end of `validate --help`: what the verdict means (cmd_validate.cc).
extern const char kValidateHelpTail[];

struct Command {
  const char* name;      // "migrate"
  unsigned mask;         // CommandMask bit of its settings; 0: no settings
  const char* env_file;  // default env file ("migration.env"); "" if none
  const char* summary;   // one line for `cfmigrate --help`
  int (*run)(const std::vector<std::string>& args);
  const char* help_tail;  // printed after the settings by --help; "" if none
  bool hidden;            // left out of `cfmigrate --help` and suggestions
};

// The table, in the order `cfmigrate --help` lists the commands.
const std::vector<Command>& AllCommands();
// The command called `name`; nullptr when there is none.
const Command* FindCommand(std::string_view name);
// The command with settings `mask`. Aborts when there is none (a bug).
const Command& CommandByMask(unsigned mask);
// The listed command nearest to `typo` (at most 2 edits away, or the one
// `typo` is a prefix of); "" when none is close.
std::string SuggestCommand(std::string_view typo);

// `cfmigrate --help` (to stdout, returns 0) or the usage after a mistake
// (to stderr, returns 2).
int PrintUsage(std::FILE* out);

// Everything main does after installing the start-up signal handlers:
// `args` are argv[1..]. Runs the named command, or prints the version, the
// usage, or "unknown command" with a suggestion. Returns the exit code.
int RunCommandLine(const std::vector<std::string>& args);

}  // namespace cfm

#endif  // CFMIGRATE_COMMANDS_H_
