// URL plumbing for pagination.h: query parameters, relative next URLs and
// Link headers.
#include <cctype>

#include "pagination.h"

namespace cfm {
namespace {

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Length of "scheme://authority" in an absolute URL, or 0.
size_t OriginLength(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return 0;
  size_t end = url.find_first_of("/?#", scheme + 3);
  return end == std::string_view::npos ? url.size() : end;
}

}  // namespace

std::string SetQueryParam(std::string_view url, std::string_view name,
                          std::string_view value) {
  std::string_view fragment;
  if (size_t hash = url.find('#'); hash != std::string_view::npos) {
    fragment = url.substr(hash);
    url = url.substr(0, hash);
  }
  std::string param = std::string(name) + "=" + PercentEncode(value);
  size_t q = url.find('?');
  if (q == std::string_view::npos)
    return std::string(url) + "?" + param + std::string(fragment);
  std::string out(url.substr(0, q + 1));
  bool replaced = false;
  auto emit = [&out](std::string_view part) {
    if (out.back() != '?') out += '&';
    out += part;
  };
  std::string_view query = url.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (part.substr(0, part.find('=')) == name) {
      if (!replaced) emit(param);  // later repeats of the name are dropped
      replaced = true;
    } else if (!part.empty()) {
      emit(part);
    }
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
  }
  if (!replaced) emit(param);
  return out + std::string(fragment);
}

std::string RemoveQueryParam(std::string_view url, std::string_view name) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  size_t hash = url.find('#', q);
  std::string_view fragment =
      hash == std::string_view::npos ? "" : url.substr(hash);
  std::string_view query = url.substr(q + 1, hash - q - 1);
  std::string out(url.substr(0, q));
  std::string kept;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (!part.empty() && part.substr(0, part.find('=')) != name)
      kept += (kept.empty() ? "" : "&") + std::string(part);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
  }
  if (!kept.empty()) out += "?" + kept;
  return out + std::string(fragment);
}

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  if (ref.find("://") != std::string_view::npos &&
      ref.find("://") < ref.find_first_of("/?#"))
    return std::string(ref);
  if (ref.substr(0, 2) == "//") {
    size_t colon = base.find("://");
    return std::string(base.substr(0, colon + 1)) + std::string(ref);
  }
  size_t origin = OriginLength(base);
  if (!ref.empty() && ref.front() == '/')
    return std::string(base.substr(0, origin)) + std::string(ref);
  std::string_view path = base.substr(0, base.find_first_of("?#", origin));
  if (!ref.empty() && ref.front() == '?')
    return std::string(path) + std::string(ref);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash < origin)
    return std::string(path) + "/" + std::string(ref);
  return std::string(path.substr(0, slash + 1)) + std::string(ref);
}

std::string LinkNext(std::string_view header) {
  size_t pos = 0;
  while (true) {
    size_t open = header.find('<', pos);
    if (open == std::string_view::npos) return "";
    size_t close = header.find('>', open);
    if (close == std::string_view::npos) return "";
    std::string_view target = header.substr(open + 1, close - open - 1);
    size_t next_link = header.find('<', close);
    std::string_view params = header.substr(close + 1, next_link - close - 1);
    // rel may be quoted and hold several space-separated relation types.
    size_t rel = params.find("rel=");
    if (rel != std::string_view::npos) {
      std::string_view value = params.substr(rel + 4);
      size_t end = value.find(';');
      value = value.substr(0, end);
      std::string lower;
      for (char c : value)
        lower +=
            c == '"' || c == ',' ? ' ' : static_cast<char>(std::tolower(c));
      lower = " " + lower + " ";
      if (lower.find(" next ") != std::string::npos) return std::string(target);
    }
    if (next_link == std::string_view::npos) return "";
    pos = next_link;
  }
}

}  // namespace cfm
