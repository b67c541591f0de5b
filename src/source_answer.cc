#include "source_answer.h"

#include <cctype>

namespace cfm {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "Text/HTML; charset=utf-8" -> "text/html".
std::string MediaType(std::string_view content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';'))));
}

constexpr std::string_view kEncodingReason = "source sent Content-Encoding: ";
constexpr std::string_view kTypeReason = "source answered ";

}  // namespace

std::vector<std::string> ParseMediaTypeList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = Trim(list.substr(0, comma));
    if (!item.empty()) out.push_back(Lower(item));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool MediaTypeMatches(std::string_view content_type, std::string_view pattern) {
  std::string type = MediaType(content_type);
  std::string want = Lower(Trim(pattern));
  if (type.empty() || want.empty()) return false;
  if (want == "*/*" || want == type) return true;
  if (want.size() > 2 && want.compare(want.size() - 2, 2, "/*") == 0)
    return type.compare(0, want.size() - 1, want, 0, want.size() - 1) == 0;
  return false;
}

std::string RejectSourceAnswer(std::string_view content_encoding,
                               std::string_view content_type,
                               const std::vector<std::string>& reject_types) {
  std::string_view encoding = Trim(content_encoding);
  if (!encoding.empty() && Lower(encoding) != "identity")
    return std::string(kEncodingReason) + std::string(encoding);
  for (const std::string& pattern : reject_types)
    if (MediaTypeMatches(content_type, pattern))
      return std::string(kTypeReason) + MediaType(content_type);
  return "";
}

bool IsRejectedAnswer(std::string_view reason) {
  return reason.rfind(kEncodingReason, 0) == 0 ||
         reason.rfind(kTypeReason, 0) == 0;
}

}  // namespace cfm
