#include "multipart_state.h"

#include <cstdlib>

#include "source_answer.h"

namespace cfm {
namespace multipart {

void PartSink::Reset(int64_t cap,
                     const std::vector<std::string>* reject_types) {
  body.clear();
  rejected.clear();
  overflow = false;
  status_ = 0;
  cap_ = cap;
  reject_types_ = reject_types;
}

void PartSink::OnHeaders(const HttpResponse& head) {
  status_ = head.status;
  if (status_ != 200 && status_ != 206) return;
  rejected = RejectSourceAnswer(head.Header("content-encoding"),
                                head.Header("content-type"), *reject_types_);
  if (status_ == 200) {
    // The whole object: its announced length, however big.
    std::string length = head.Header("content-length");
    if (!length.empty()) cap_ = std::strtoll(length.c_str(), nullptr, 10);
  }
  if (cap_ > 0 && cap_ < (int64_t{1} << 32))
    body.reserve(static_cast<size_t>(cap_));
}

BodySink::Answer PartSink::OnBody(std::string_view data) {
  if (status_ != 200 && status_ != 206) return Answer::kTaken;  // not kept
  if (!rejected.empty()) return Answer::kStop;
  if (static_cast<int64_t>(body.size() + data.size()) > cap_) {
    overflow = true;
    return Answer::kStop;
  }
  body.append(data);
  return Answer::kTaken;
}

int64_t TotalFromContentRange(const std::string& value) {
  size_t slash = value.rfind('/');
  if (slash == std::string::npos || value.compare(slash + 1, 1, "*") == 0)
    return -1;
  return std::strtoll(value.c_str() + slash + 1, nullptr, 10);
}

}  // namespace multipart
}  // namespace cfm
