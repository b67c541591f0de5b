// LoadSettings: flag > environment > env file > default.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "settings.h"

namespace cfm {
namespace {

struct Given {
  std::string value;
  std::string source;
};

struct Parsed {
  std::map<std::string, Given> flags;
  std::map<std::string, Given> file;
  std::string env_file;
  bool env_file_named = false;
  bool env_file_read = false;
  std::vector<std::string> problems;
};

const SettingSpec* FindByFlag(std::string_view flag) {
  for (const SettingSpec& s : AllSettings())
    if (FlagName(s.name) == flag) return &s;
  return nullptr;
}

const SettingSpec* FindByName(std::string_view name) {
  for (const SettingSpec& s : AllSettings())
    if (name == s.name) return &s;
  return nullptr;
}

// Edit distance (insertions, deletions, substitutions), ignoring case.
size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      bool same = std::toupper(static_cast<unsigned char>(a[i - 1])) ==
                  std::toupper(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// "; did you mean DESTINATION_BUCKET?" for the setting of `command` whose
// name (or flag, with `as_flag`) is nearest to `given`, when it is near
// enough to be a typo; else "".
std::string DidYouMean(std::string_view given, unsigned command, bool as_flag) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, given.size() / 5) + 1;
  for (const SettingSpec& s : AllSettings()) {
    if (!(s.commands & command)) continue;
    std::string name = as_flag ? FlagName(s.name) : std::string(s.name);
    size_t d = Distance(given, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best.empty() ? "" : "; did you mean " + best + "?";
}

bool IsAwsConvention(std::string_view name) {
  static const std::set<std::string, std::less<>> names = {
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_PROFILE",
      "AWS_SHARED_CREDENTIALS_FILE",
      "AWS_CONFIG_FILE",
      "AWS_EC2_METADATA_DISABLED",
      "AWS_EC2_METADATA_SERVICE_ENDPOINT",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN",
      "AWS_ENDPOINT_URL_S3",
      "AWS_ENDPOINT_URL",
      "AWS_CA_BUNDLE",
  };
  return names.count(name) > 0;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

void ParseArgs(const SettingsInput& in, Parsed* p) {
  const auto& args = in.args;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      p->problems.push_back("unexpected argument '" + arg + "'");
      continue;
    }
    size_t eq = arg.find('=');
    std::string flag = arg.substr(0, eq);
    bool has_value = eq != std::string::npos;
    std::string value = has_value ? arg.substr(eq + 1) : "";
    const SettingSpec* spec = FindByFlag(flag);
    bool is_bool = spec && spec->kind == SettingKind::kBool;
    if (!has_value && !is_bool) {
      if (i + 1 >= args.size()) {
        p->problems.push_back(flag + " needs a value");
        continue;
      }
      value = args[++i];
    } else if (!has_value) {
      value = "true";
    }
    if (flag == "--env-file") {
      p->env_file = value;
      p->env_file_named = true;
    } else if (!spec) {
      p->problems.push_back("unknown option " + flag +
                            DidYouMean(flag, in.command, true));
    } else if (!(spec->commands & in.command)) {
      p->problems.push_back(flag + " does not apply to this command");
    } else {
      p->flags[spec->name] = Given{value, "flag " + flag};
    }
  }
}

std::string Unquote(std::string v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') &&
      v.back() == v.front())
    return v.substr(1, v.size() - 2);
  size_t hash = v.find(" #");  // trailing comment on an unquoted value
  return hash == std::string::npos ? v : Trim(v.substr(0, hash));
}

void ParseEnvFile(const SettingsInput& in, const std::string& text, Parsed* p) {
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line =
        Trim(text.substr(pos, nl == std::string::npos ? nl : nl - pos));
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0)
      line = Trim(line.substr(3));
    if (line.empty() || line[0] == '#') continue;
    std::string where = p->env_file + ":" + std::to_string(line_no);
    if (line.rfind("export ", 0) == 0) line = Trim(line.substr(7));
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0) {
      p->problems.push_back(where + ": expected NAME=value, got '" + line +
                            "'");
      continue;
    }
    std::string name = Trim(line.substr(0, eq));
    std::string value = Unquote(Trim(line.substr(eq + 1)));
    const SettingSpec* spec = FindByName(name);
    if (IsAwsConvention(name)) {
      if (in.export_env && !(in.getenv && in.getenv(name.c_str())))
        in.export_env(name, value);
    } else if (!spec) {
      p->problems.push_back(where + ": unknown setting " + name +
                            DidYouMean(name, in.command, false));
    } else if (spec->flag_only) {
      p->problems.push_back(where + ": " + name +
                            " can only be given on the command line as " +
                            FlagName(name));
    } else {
      p->file[name] = Given{value, where};
    }
  }
}

// "DESTINATION_BUCKET is required: ..." naming the env file looked for
// and whether it was there.
std::string MissingRequired(const SettingSpec& spec, const Parsed& p) {
  std::string where;
  if (p.env_file.empty()) {
    where = "the environment or ";
  } else if (p.env_file_read) {
    where = "the env file " + p.env_file + " (read; it has no " + spec.name +
            "), the environment, or ";
  } else {
    where = "an env file (" + p.env_file +
            (p.env_file_named ? " could not be read"
                              : " was looked for in the current directory "
                                "and is not there; --env-file FILE names "
                                "another") +
            "), the environment, or ";
  }
  return std::string(spec.name) + " is required: set it in " + where +
         FlagName(spec.name);
}

bool IsSecret(std::string_view name) { return name == "API_AUTH_TOKEN"; }

}  // namespace

Result<Settings> LoadSettings(const SettingsInput& input) {
  Parsed p;
  p.env_file = input.default_env_file;
  ParseArgs(input, &p);
  if (!p.env_file.empty()) {
    Result<std::string> text = input.read_file(p.env_file);
    if (text.ok()) {
      p.env_file_read = true;
      ParseEnvFile(input, *text, &p);
    } else if (p.env_file_named ||
               text.status().code() != Status::Code::kNotFound) {
      p.problems.push_back("env file " + p.env_file + ": " +
                           text.status().message());
    }
  }
  Settings settings;
  for (const SettingSpec& spec : AllSettings()) {
    if (!(spec.commands & input.command)) continue;
    Given given{spec.default_value, "default"};
    const char* env = spec.flag_only ? nullptr : input.getenv(spec.name);
    if (auto f = p.flags.find(spec.name); f != p.flags.end()) {
      given = f->second;
    } else if (env) {
      given = Given{env, "environment"};
    } else if (auto g = p.file.find(spec.name); g != p.file.end()) {
      given = g->second;
    }
    std::string problem = CheckValue(spec, given.value);
    if (!problem.empty()) {
      std::string shown = IsSecret(spec.name) ? "…" : given.value;
      p.problems.push_back(std::string(spec.name) + "='" + shown + "' (" +
                           given.source + "): " + problem);
    } else if (spec.required && given.value.empty()) {
      p.problems.push_back(MissingRequired(spec, p));
    }
    settings.Set(spec.name, CanonicalValue(spec, std::move(given.value)),
                 std::move(given.source));
  }
  if (!p.problems.empty()) {
    std::string msg;
    for (const std::string& problem : p.problems) msg += problem + "\n";
    msg.pop_back();
    return Status::InvalidArgument(msg);
  }
  return settings;
}

std::string SettingsHelp(unsigned command) {
  std::string out =
      "Settings (flag, or NAME in the environment or env file; "
      "precedence flag > environment > env file > default):\n";
  for (const SettingSpec& spec : AllSettings()) {
    if (!(spec.commands & command)) continue;
    std::string flag = FlagName(spec.name);
    if (spec.kind != SettingKind::kBool) flag += " VALUE";
    std::string line = "  " + flag;
    line.resize(std::max<size_t>(line.size() + 1, 34), ' ');
    line += spec.help;
    if (spec.flag_only) {
      line += " (flag only)";
    } else {
      line += std::string(" [") + spec.name;
      if (*spec.default_value) line += std::string("=") + spec.default_value;
      line += spec.required ? ", required]" : "]";
    }
    if (*spec.choices) line += std::string(" {") + spec.choices + "}";
    out += line + "\n";
  }
  out += "  --env-file FILE                 read settings from FILE\n";
  return out;
}

}  // namespace cfm
