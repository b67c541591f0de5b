#include "ini_file.h"

#include <cctype>

namespace cfm {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

size_t IndentOf(std::string_view raw) {
  size_t n = 0;
  while (n < raw.size() && IsBlank(raw[n])) ++n;
  return n;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsBlank(s.front()) || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Cuts a trailing comment: '#' or ';' preceded by a blank.
std::string_view StripInlineComment(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if ((s[i] == '#' || s[i] == ';') && IsBlank(s[i - 1]))
      return Trim(s.substr(0, i));
  }
  return s;
}

std::string_view Unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') &&
      s.back() == s.front())
    return s.substr(1, s.size() - 2);
  return s;
}

// "[ profile   dev ]" → "profile dev".
std::string SectionName(std::string_view inside) {
  std::string name;
  for (char c : Trim(inside)) {
    if (IsBlank(c)) {
      if (!name.empty() && name.back() != ' ') name += ' ';
    } else {
      name += c;
    }
  }
  return name;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

}  // namespace

IniSections ParseIni(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  IniSections sections;
  std::map<std::string, std::string>* section = nullptr;
  std::string* last_value = nullptr;
  size_t key_indent = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view raw = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      size_t close = line.find(']');
      last_value = nullptr;
      section = nullptr;
      if (close == std::string_view::npos) continue;  // malformed header
      section = &sections[SectionName(line.substr(1, close - 1))];
      continue;
    }
    if (section == nullptr) continue;
    line = StripInlineComment(line);
    if (last_value != nullptr && IndentOf(raw) > key_indent) {
      if (!last_value->empty()) *last_value += '\n';
      *last_value += std::string(line);
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      last_value = nullptr;
      continue;
    }
    std::string key = Lower(Trim(line.substr(0, eq)));
    key_indent = IndentOf(raw);
    last_value = &(*section)[key];
    *last_value = std::string(Unquote(Trim(line.substr(eq + 1))));
  }
  return sections;
}

}  // namespace cfm
