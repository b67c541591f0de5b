#include "commands.h"

#include <algorithm>
#include <cstdlib>

#include "credentials.h"
#include "http.h"
#include "settings.h"

namespace cfm {
namespace {

int RunDebugCredentials(const std::vector<std::string>& args) {
  return RunCredentialsDiagnostic(args);
}

// Levenshtein distance, for the did-you-mean suggestion.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<Command>& AllCommands() {
  static const std::vector<Command> commands = {
      {"collect", kCollect, "collection.env",
       "page through the image-list API and write urls.txt (resumable)",
       RunCollect, "", false},
      {"detect-region", kDetectRegion, "migration.env",
       "HEAD the first URL, read x-amz-cf-pop, recommend an EC2 region",
       RunDetectRegion, "", false},
      {"migrate", kMigrate, "migration.env",
       "copy every URL of urls.txt into S3 (resumable via completed.txt)",
       RunMigrate, "", false},
      {"validate", kValidate, "migration.env",
       "prove the bucket holds every object intact; write missing.txt",
       RunValidate, kValidateHelpTail, false},
      // No settings: reads STATE_DIR/status.json (cmd_status.cc).
      {"status", 0, "",
       "say how the run in a STATE_DIR is doing, or how it ended",
       RunStatusCommand, "", false},
      // Shows which credentials the chain finds (masked).
      {"debug-credentials", 0, "", "", RunDebugCredentials, "", true},
  };
  return commands;
}

const Command* FindCommand(std::string_view name) {
  for (const Command& c : AllCommands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

const Command& CommandByMask(unsigned mask) {
  for (const Command& c : AllCommands()) {
    if (c.mask == mask) return c;
  }
  std::abort();
}

std::string SuggestCommand(std::string_view typo) {
  const Command* best = nullptr;
  size_t best_distance = 3;  // more than 2 edits is no suggestion
  for (const Command& c : AllCommands()) {
    if (c.hidden) continue;
    std::string_view name = c.name;
    size_t d = typo.size() >= 3 && name.substr(0, typo.size()) == typo
                   ? 0
                   : EditDistance(typo, name);
    if (d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  return best == nullptr ? "" : best->name;
}

int PrintUsage(std::FILE* out) {
  std::fprintf(out,
               "Usage: cfmigrate COMMAND [--env-file FILE] [settings]\n\n"
               "Commands:\n");
  for (const Command& c : AllCommands()) {
    if (!c.hidden) std::fprintf(out, "  %-15s %s\n", c.name, c.summary);
  }
  std::fprintf(out,
               "\n'cfmigrate COMMAND --help' lists its settings. "
               "Exit codes: 0 done, 1 some items failed, 2 configuration"
               " error, 130 interrupted.\n");
  return out == stdout ? kExitOk : kExitConfig;
}

int RunCommandLine(const std::vector<std::string>& args) {
  if (args.empty()) return PrintUsage(stderr);
  const std::string& name = args[0];
  if (name == "--help" || name == "-h" || name == "help") {
    return PrintUsage(stdout);
  }
  if (name == "--version") {
    std::printf("cfmigrate %s\n", CFMIGRATE_VERSION);
    return kExitOk;
  }
  if (const Command* c = FindCommand(name)) {
    HttpGlobalInit();
    return c->run(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::fprintf(stderr, "cfmigrate: unknown command '%s'\n", name.c_str());
  if (std::string near = SuggestCommand(name); !near.empty()) {
    std::fprintf(stderr, "Did you mean '%s'?\n", near.c_str());
  }
  std::fputc('\n', stderr);
  return PrintUsage(stderr);
}

}  // namespace cfm
