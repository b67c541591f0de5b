// cfmigrate: a thin main; the subcommand table is in commands.cc.
#include <string>
#include <vector>

#include "commands.h"
#include "stop_signals.h"

int main(int argc, char** argv) {
  // First: a Ctrl-C at any later instruction gets its message and exit 130.
  cfm::InstallStartupSignals();
  return cfm::RunCommandLine(std::vector<std::string>(argv + 1, argv + argc));
}
