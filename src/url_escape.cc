#include "url_escape.h"

#include <cctype>

#include "crypto.h"

namespace cfm {
namespace {

bool NeedsEscape(unsigned char c) {
  if (c == 0) return false;  // left for the caller to refuse
  if (c <= 0x20 || c >= 0x7F) return true;
  switch (c) {
    case '"':
    case '<':
    case '>':
    case '\\':
    case '^':
    case '`':
    case '{':
    case '|':
    case '}':
      return true;
    default:
      return false;
  }
}

// True when url[i] is '%' starting a valid escape.
bool IsEscape(std::string_view url, size_t i) {
  return i + 2 < url.size() && HexDigitValue(url[i + 1]) >= 0 &&
         HexDigitValue(url[i + 2]) >= 0;
}

bool NeedsChange(std::string_view url, size_t i) {
  unsigned char c = static_cast<unsigned char>(url[i]);
  if (c == '%') return !IsEscape(url, i);
  return NeedsEscape(c);
}

}  // namespace

std::string NormalizeUrl(std::string_view url) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(url.size());
  for (size_t i = 0; i < url.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(url[i]);
    if (!NeedsChange(url, i)) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    out.push_back('%');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

std::string PercentEncodeComponent(std::string_view s, bool lower) {
  const char* hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool IsNormalUrl(std::string_view url) {
  for (size_t i = 0; i < url.size(); ++i)
    if (NeedsChange(url, i)) return false;
  return true;
}

}  // namespace cfm
