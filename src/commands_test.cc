#include "commands.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "settings.h"

namespace cfm {
namespace {

std::string UsageText() {
  std::FILE* f = std::tmpfile();
  EXPECT_EQ(PrintUsage(f), kExitConfig);  // not stdout: the error form
  std::rewind(f);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

TEST(CommandsTest, OneTableServesDispatchAndHelp) {
  const Command* status = FindCommand("status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->run, &RunStatusCommand);
  EXPECT_EQ(FindCommand("Status"), nullptr);
  EXPECT_EQ(FindCommand(""), nullptr);
  EXPECT_STREQ(CommandByMask(kMigrate).name, "migrate");
  EXPECT_STREQ(CommandByMask(kCollect).env_file, "collection.env");
  EXPECT_EQ(CommandByMask(kValidate).help_tail, kValidateHelpTail);
  ASSERT_NE(FindCommand("debug-credentials"), nullptr);
}

TEST(CommandsTest, UsageListsEveryVisibleCommandInTableOrder) {
  std::string text = UsageText();
  size_t at = 0;
  for (const Command& c : AllCommands()) {
    size_t found = text.find(std::string("  ") + c.name + " ");
    if (c.hidden) {
      EXPECT_EQ(found, std::string::npos) << c.name;
      continue;
    }
    ASSERT_NE(found, std::string::npos) << c.name;
    EXPECT_GT(found, at) << c.name;
    at = found;
  }
}

TEST(CommandsTest, SuggestsTheNearestVisibleCommand) {
  EXPECT_EQ(SuggestCommand("migarte"), "migrate");
  EXPECT_EQ(SuggestCommand("colect"), "collect");
  EXPECT_EQ(SuggestCommand("stats"), "status");
  EXPECT_EQ(SuggestCommand("val"), "validate");  // a prefix
  EXPECT_EQ(SuggestCommand("detect"), "detect-region");
  EXPECT_EQ(SuggestCommand("upload"), "");
  EXPECT_EQ(SuggestCommand("debug-credential"), "");  // hidden
}

TEST(CommandsTest, UnknownCommandIsAConfigurationError) {
  EXPECT_EQ(RunCommandLine({"migarte"}), kExitConfig);
  EXPECT_EQ(RunCommandLine({}), kExitConfig);
}

}  // namespace
}  // namespace cfm
