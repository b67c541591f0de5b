#include "collector_items.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "url_escape.h"

namespace cfm {
namespace {

constexpr size_t kValueChars = 24;
constexpr size_t kExampleChars = 160;
constexpr size_t kDescriptionChars = 400;

// True for "http://host..." or "https://host..." (scheme in any case).
bool LooksLikeUrl(std::string_view url) {
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) return false;
  std::string scheme;
  for (char c : url.substr(0, colon))
    scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return false;
  size_t host = colon + 3;
  return host < url.size() && url[host] != '/' && url[host] != '?';
}

}  // namespace

UrlVerdict ClassifyUrl(std::string_view raw, std::string_view prefix,
                       std::string* normalised) {
  // Surrounding white space is never part of a URL an API means.
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.front())))
    raw.remove_prefix(1);
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back())))
    raw.remove_suffix(1);
  *normalised = NormalizeUrl(raw);
  const std::string& url = *normalised;
  if (url.find('\0') != std::string::npos || !LooksLikeUrl(url))
    return UrlVerdict::kNotUrl;
  if (url.compare(0, prefix.size(), prefix) != 0) return UrlVerdict::kForeign;
  if (url.size() == prefix.size()) return UrlVerdict::kNotUrl;
  return UrlVerdict::kKeep;
}

void SkipTally::Add(std::string_view what, const Secret& secret) {
  if (count++ == 0) example = CutShort(Redact(what, secret), kExampleChars);
}

std::string CutShort(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  // Do not split a UTF-8 sequence: back up to its lead byte.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return std::string(text.substr(0, end)) + "…";
}

std::string FindUrlPath(const nlohmann::json& item) {
  if (item.is_string())
    return LooksLikeUrl(item.get_ref<const std::string&>()) ? "." : "";
  if (item.is_array()) {
    for (const nlohmann::json& element : item) {
      std::string inner = FindUrlPath(element);
      if (!inner.empty()) return inner == "." ? "[]" : "[]." + inner;
    }
    return "";
  }
  if (!item.is_object()) return "";
  for (auto it = item.begin(); it != item.end(); ++it) {
    std::string inner = FindUrlPath(*it);
    if (inner.empty()) continue;
    if (inner == ".") return it.key();
    return it.key() + (inner.front() == '[' ? "" : ".") + inner;
  }
  return "";
}

std::string DescribeItem(const nlohmann::json& item, const Secret& secret) {
  if (!item.is_object())
    return CutShort(Redact(item.dump(), secret), kDescriptionChars);
  std::string out = "{";
  for (auto it = item.begin(); it != item.end(); ++it) {
    if (out.size() > 1) out += ", ";
    out += nlohmann::json(it.key()).dump() + ": ";
    if (it->is_object()) {
      out += DescribeItem(*it, secret);
    } else {
      std::string value = Redact(it->dump(), secret);
      out += CutShort(value, kValueChars);
      if (value.size() > kValueChars && it->is_string()) out += "\"";
    }
  }
  return CutShort(out + "}", kDescriptionChars);
}

}  // namespace cfm
