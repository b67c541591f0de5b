// Subcommands whose implementation has not landed yet. Each entry is
// removed from this file when its cmd_*.cc lands.
#include <cstdio>

#include "cli.h"
#include "commands.h"

namespace cfm {
namespace {

int NotYet(unsigned mask, const std::vector<std::string>& args) {
  Settings settings;
  if (auto code = PrepareCommand(mask, args, &settings)) return *code;
  std::fprintf(stderr, "cfmigrate %s: not implemented yet\n",
               CommandByMask(mask).name);
  return 2;
}

}  // namespace

int RunValidate(const std::vector<std::string>& a) {
  return NotYet(kValidate, a);
}

}  // namespace cfm
