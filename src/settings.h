// Settings shared by every subcommand: one table of names, defaults and
// checks, and a loader with the precedence flag > environment > env file >
// default. Pure apart from the injected getenv and file reader.
#ifndef CFMIGRATE_SETTINGS_H_
#define CFMIGRATE_SETTINGS_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace cfm {

// Bit mask of the subcommands a setting applies to.
enum CommandMask : unsigned {
  kCollect = 1,
  kDetectRegion = 2,
  kMigrate = 4,
  kValidate = 8,
  kAllCommands = 15,
};

enum class SettingKind {
  kString,
  kInt,     // whole number within [min, max]
  kNumber,  // decimal number within [min, max]
  kBool,    // true/false, yes/no, 1/0, on/off
  kEnum,    // one of `choices` ("a|b|c"), case-insensitive
  kBucket,  // an S3 bucket name that S3 would accept
  kUrl,     // http:// or https://
};

struct SettingSpec {
  const char* name;           // NAME_IN_CAPS; the flag is --name-in-caps
  const char* default_value;  // "" for none
  unsigned commands;          // CommandMask bits
  SettingKind kind;
  const char* help;
  double min = 0;
  double max = 0;  // 0 and 0: no bounds
  // kEnum: the values allowed; kInt: words allowed besides numbers
  // ("auto").
  const char* choices = "";
  bool required = false;   // must be set (by any source)
  bool flag_only = false;  // command-line only, never env or file
};

// Every setting, in the order --help lists them.
const std::vector<SettingSpec>& AllSettings();

class Settings {
 public:
  // Value of a setting known to the table; the default when not given.
  // Asking for a name that is not in the table is a programming error and
  // aborts.
  const std::string& Get(std::string_view name) const;
  long long GetInt(std::string_view name) const;
  double GetNumber(std::string_view name) const;
  bool GetBool(std::string_view name) const;
  // Where the value came from: "flag", "environment", "FILE:LINE",
  // "default".
  const std::string& Source(std::string_view name) const;

  void Set(std::string name, std::string value, std::string source);

 private:
  struct Entry {
    std::string value;
    std::string source;
  };
  const Entry& Find(std::string_view name) const;
  std::map<std::string, Entry, std::less<>> values_;
};

struct SettingsInput {
  unsigned command = 0;           // one CommandMask bit
  std::vector<std::string> args;  // arguments after the subcommand
  std::string default_env_file;   // "migration.env", ...
  std::function<const char*(const char*)> getenv;  // e.g. std::getenv
  // Reads a whole file; kNotFound when it does not exist.
  std::function<Result<std::string>(const std::string&)> read_file;
  // Called for AWS_* convention names found in the env file (credentials,
  // endpoint) so the credentials chain sees them; the loader calls it only
  // when the environment does not already set that name.
  std::function<void(const std::string&, const std::string&)> export_env;
};

// Loads and checks every setting that applies to `input.command`. On failure
// returns kInvalidArgument whose message lists every problem, one a line,
// each naming the setting and where it came from (a flag, the environment,
// or FILE:LINE). `--env-file FILE` names the env file; a missing default env
// file is fine, a missing named one is an error.
Result<Settings> LoadSettings(const SettingsInput& input);

// Checks a value against a spec; returns "" when fine, else the problem.
std::string CheckValue(const SettingSpec& spec, std::string_view value);

// An enum value spelled as in `choices` ("DEBUG" -> "debug"); other values
// unchanged. LoadSettings stores values this way.
std::string CanonicalValue(const SettingSpec& spec, std::string value);

// "CONCURRENCY" -> "--concurrency".
std::string FlagName(std::string_view setting_name);

// The help text for one command: usage line, description and its settings
// with defaults.
std::string SettingsHelp(unsigned command);

}  // namespace cfm

#endif  // CFMIGRATE_SETTINGS_H_
