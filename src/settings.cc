#include "settings.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cfm {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

// Parses "true"/"false" and friends; returns -1 for anything else.
int ParseBool(std::string_view v) {
  std::string l = Lower(v);
  if (l == "true" || l == "1" || l == "yes" || l == "on") return 1;
  if (l == "false" || l == "0" || l == "no" || l == "off") return 0;
  return -1;
}

bool ParseNumber(std::string_view v, bool whole, double* out) {
  std::string s(v);
  if (s.empty()) return false;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (*end != '\0' || !std::isfinite(d)) return false;
  if (whole && d != std::floor(d)) return false;
  if (whole && s.find_first_not_of("+-0123456789") != std::string::npos)
    return false;
  *out = d;
  return true;
}

std::string CheckBucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return "must be 3 to 63 characters long";
  for (char c : b)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-'))
      return "may hold only lower-case letters, digits, '.' and '-'";
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  if (!alnum(b.front()) || !alnum(b.back()))
    return "must begin and end with a letter or digit";
  if (b.find("..") != std::string_view::npos) return "must not contain '..'";
  if (b.rfind("xn--", 0) == 0 || b.rfind("sthree-", 0) == 0)
    return "must not begin with a reserved prefix";
  size_t dots = 0;
  bool all_digits_and_dots = true;
  for (char c : b) {
    dots += c == '.';
    if (c != '.' && !std::isdigit(static_cast<unsigned char>(c)))
      all_digits_and_dots = false;
  }
  if (all_digits_and_dots && dots == 3)
    return "must not be formatted as an IP address";
  return "";
}

// The choice in "a|b|c" that `value` names, ignoring case, or "".
std::string_view MatchChoice(std::string_view choices, std::string_view value) {
  std::string l = Lower(value);
  while (!choices.empty()) {
    size_t bar = choices.find('|');
    std::string_view choice = choices.substr(0, bar);
    if (Lower(choice) == l) return choice;
    if (bar == std::string_view::npos) break;
    choices.remove_prefix(bar + 1);
  }
  return {};
}

}  // namespace

std::string CanonicalValue(const SettingSpec& spec, std::string value) {
  if (spec.kind != SettingKind::kEnum && spec.kind != SettingKind::kInt)
    return value;
  std::string_view choice = MatchChoice(spec.choices, value);
  return choice.empty() ? value : std::string(choice);
}

std::string CheckValue(const SettingSpec& spec, std::string_view value) {
  switch (spec.kind) {
    case SettingKind::kString:
      return "";
    case SettingKind::kBool:
      return ParseBool(value) < 0 ? "expected true or false" : "";
    case SettingKind::kInt:
    case SettingKind::kNumber: {
      double d = 0;
      bool whole = spec.kind == SettingKind::kInt;
      if (*spec.choices && !MatchChoice(spec.choices, value).empty()) return "";
      if (!ParseNumber(value, whole, &d))
        return std::string(whole ? "expected a whole number"
                                 : "expected a number") +
               (*spec.choices ? std::string(" or ") + spec.choices : "");
      if ((spec.min != 0 || spec.max != 0) && (d < spec.min || d > spec.max)) {
        char buf[96];
        std::snprintf(buf, sizeof(buf), "must be between %g and %g", spec.min,
                      spec.max);
        return buf;
      }
      return "";
    }
    case SettingKind::kEnum:
      if (!MatchChoice(spec.choices, value).empty()) return "";
      return std::string("expected one of ") + spec.choices;
    case SettingKind::kBucket:
      return value.empty() ? "" : CheckBucket(value);
    case SettingKind::kUrl:
      if (value.empty() || value.rfind("http://", 0) == 0 ||
          value.rfind("https://", 0) == 0)
        return "";
      return "expected an http:// or https:// URL";
  }
  return "";
}

std::string FlagName(std::string_view setting_name) {
  std::string flag = "--" + Lower(setting_name);
  for (char& c : flag)
    if (c == '_') c = '-';
  return flag;
}

const Settings::Entry& Settings::Find(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::fprintf(stderr, "internal error: unknown setting %.*s\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second;
}

const std::string& Settings::Get(std::string_view name) const {
  return Find(name).value;
}

long long Settings::GetInt(std::string_view name) const {
  return std::strtoll(Get(name).c_str(), nullptr, 10);
}

double Settings::GetNumber(std::string_view name) const {
  return std::strtod(Get(name).c_str(), nullptr);
}

bool Settings::GetBool(std::string_view name) const {
  return ParseBool(Get(name)) == 1;
}

const std::string& Settings::Source(std::string_view name) const {
  return Find(name).source;
}

void Settings::Set(std::string name, std::string value, std::string source) {
  values_[std::move(name)] = Entry{std::move(value), std::move(source)};
}

}  // namespace cfm
