// Entry points of the subcommands. Each takes the arguments after the
// subcommand name and returns the process exit code (see DESIGN.md):
// 0 done, 1 finished with failures, 2 configuration or input error,
// 130 interrupted.
#ifndef CFMIGRATE_COMMANDS_H_
#define CFMIGRATE_COMMANDS_H_

#include <string>
#include <vector>

namespace cfm {

constexpr int kExitOk = 0;
constexpr int kExitFailures = 1;
constexpr int kExitConfig = 2;
constexpr int kExitInterrupted = 130;

int RunCollect(const std::vector<std::string>& args);  // cmd_collect.cc
int RunDetectRegion(
    const std::vector<std::string>& args);              // cmd_detect_region.cc
int RunMigrate(const std::vector<std::string>& args);   // cmd_migrate.cc
int RunValidate(const std::vector<std::string>& args);  // cmd_validate.cc
int RunStatusCommand(const std::vector<std::string>& args);  // cmd_status.cc

}  // namespace cfm

#endif  // CFMIGRATE_COMMANDS_H_
