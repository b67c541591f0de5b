// cfmigrate: a thin main that looks the subcommand up in a table.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli.h"
#include "commands.h"
#include "credentials.h"
#include "http.h"
#include "stop_signals.h"

namespace {

using Runner = int (*)(const std::vector<std::string>&);

struct Entry {
  const char* name;
  Runner run;
};

const Entry kRunners[] = {
    {"collect", cfm::RunCollect},
    {"detect-region", cfm::RunDetectRegion},
    {"migrate", cfm::RunMigrate},
    {"validate", cfm::RunValidate},
    {"status", cfm::RunStatusCommand},
    // Hidden: shows which credentials the chain finds (masked).
    {"debug-credentials", cfm::RunCredentialsDiagnostic},
};

int Usage(FILE* out) {
  std::fprintf(out,
               "Usage: cfmigrate COMMAND [--env-file FILE] [settings]\n\n"
               "Commands:\n");
  for (const cfm::CommandInfo& c : cfm::AllCommands())
    std::fprintf(out, "  %-15s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\n'cfmigrate COMMAND --help' lists its settings. "
               "Exit codes: 0 done, 1 some items failed, 2 configuration"
               " error, 130 interrupted.\n");
  return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  // First: a Ctrl-C at any later instruction gets its message and exit 130.
  cfm::InstallStartupSignals();
  if (argc < 2) return Usage(stderr);
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") return Usage(stdout);
  if (cmd == "--version") {
    std::printf("cfmigrate %s\n", CFMIGRATE_VERSION);
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  cfm::HttpGlobalInit();
  for (const Entry& e : kRunners)
    if (cmd == e.name) return e.run(args);
  std::fprintf(stderr, "cfmigrate: unknown command '%s'\n\n", cmd.c_str());
  return Usage(stderr);
}
