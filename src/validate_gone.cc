#include "validate_gone.h"

#include <filesystem>
#include <fstream>

#include "url_list.h"

namespace cfm {

std::string_view GoneStatus(std::string_view reason) {
  // migrate names the side ("source http 404"); older lists do not.
  if (reason.rfind("source ", 0) == 0) reason.remove_prefix(7);
  for (std::string_view gone : {"http 404", "http 410", "http 403"}) {
    if (reason.substr(0, gone.size()) != gone) continue;
    std::string_view rest = reason.substr(gone.size());
    if (rest.empty() || rest[0] == ' ' || rest[0] == '\r') return gone;
  }
  return {};
}

bool IsGoneReason(std::string_view reason) {
  return !GoneStatus(reason).empty();
}

Status LoadGoneUrls(const std::vector<std::string>& lists_oldest_first,
                    GoneUrls* gone) {
  for (const std::string& path : lists_oldest_first) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    std::ifstream in(path);
    if (!in) return Status::IOError(path + ": cannot open");
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
      std::string_view url = UrlFromListLine(line, first);
      first = false;
      if (url.empty()) continue;
      size_t tab = line.find('\t');
      std::string_view reason = tab == std::string::npos
                                    ? ""
                                    : std::string_view(line).substr(tab + 1);
      if (IsGoneReason(reason)) {
        (*gone)[std::string(url)] = std::string(GoneStatus(reason));
      } else {
        gone->erase(std::string(url));
      }
    }
    if (in.bad()) return Status::IOError(path + ": read error");
  }
  return Status::OK();
}

}  // namespace cfm
