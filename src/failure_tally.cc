#include "failure_tally.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "file_util.h"
#include "validate_gone.h"

namespace cfm {

std::string ReasonClass(std::string_view reason) {
  std::string r(reason);
  size_t after = r.find(" after ");
  if (after != std::string::npos && r.size() > 9 &&
      r.compare(r.size() - 9, 9, " attempts") == 0)
    r.erase(after);
  for (const char* cut : {"truncated body", "source truncated body"})
    if (r.rfind(cut, 0) == 0 && r.find(" (got ") == std::strlen(cut))
      return cut;
  return r;
}

FailureKind KindOf(std::string_view c) {
  if (c.rfind("malformed url", 0) == 0) return FailureKind::kMalformed;
  // One definition with validate's gone.txt: 404, 410 and 403.
  if (IsGoneReason(c)) return FailureKind::kGone;
  return FailureKind::kRetryable;
}

void FailureTally::Add(std::string_view url, std::string_view reason) {
  std::string c = ReasonClass(reason);
  ReasonCount& rc = by_[c];
  if (rc.count++ == 0) rc.example = std::string(url);
  rc.gone = KindOf(c) == FailureKind::kGone;
}

void FailureTally::Feed(std::string_view text) {
  partial_.append(text);
  size_t start = 0;
  for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    std::string_view line(partial_.data() + start, nl - start);
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    Add(line.substr(0, tab), line.substr(tab + 1));
  }
  partial_.erase(0, start);
}

uint64_t FailureTally::Count(FailureKind kind) const {
  uint64_t n = 0;
  for (const auto& [c, rc] : by_)
    if (KindOf(c) == kind) n += rc.count;
  return n;
}

void FailedListTail::Poll() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[65536];
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof(buf), static_cast<off_t>(offset_))) > 0) {
    tally_.Feed(std::string_view(buf, static_cast<size_t>(n)));
    offset_ += static_cast<uint64_t>(n);
  }
  ::close(fd);
}

Result<uint64_t> WriteRetryableList(const std::string& failed_path,
                                    const std::string& out_path) {
  std::ifstream in(failed_path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + failed_path);
  std::string line, urls;
  uint64_t n = 0;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string reason = ReasonClass(line.substr(tab + 1));
    if (KindOf(reason) != FailureKind::kRetryable) continue;
    urls.append(line, 0, tab).push_back('\n');
    ++n;
  }
  if (in.bad()) return Status::IOError("read " + failed_path + ": I/O error");
  if (n == 0) {
    ::unlink(out_path.c_str());  // a list from an earlier run is stale
    return n;
  }
  if (Status st = WriteFileAtomically(out_path, urls, kSharedFileMode);
      !st.ok())
    return st;
  return n;
}

std::string Plural(uint64_t count, const std::string& noun,
                   const std::string& plural) {
  return std::to_string(count) + " " +
         (count == 1       ? noun
          : plural.empty() ? noun + "s"
                           : plural);
}

std::vector<std::string> FormatFailureGroups(
    const std::map<std::string, ReasonCount>& by_reason) {
  struct Group {
    FailureKind kind;
    const char* title;
  };
  const Group groups[] = {
      {FailureKind::kGone, "gone at the source (a re-run will not help)"},
      {FailureKind::kMalformed, "not a usable URL (fix the list)"},
      {FailureKind::kRetryable, "retryable (a re-run may succeed)"},
  };
  std::vector<std::string> out;
  for (const Group& g : groups) {
    uint64_t total = 0;
    for (const auto& [c, rc] : by_reason)
      if (KindOf(c) == g.kind) total += rc.count;
    if (total == 0) continue;
    out.push_back(Plural(total, "URL") + " " + g.title + ":");
    for (const auto& [c, rc] : by_reason)
      if (KindOf(c) == g.kind)
        out.push_back("  " + std::to_string(rc.count) + " x " + c + ", e.g. " +
                      rc.example);
  }
  return out;
}

}  // namespace cfm
