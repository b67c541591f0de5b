#include "status.h"

namespace cfm {
namespace {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "OK";
    case Status::Code::kInvalidArgument:
      return "invalid argument";
    case Status::Code::kNotFound:
      return "not found";
    case Status::Code::kIOError:
      return "I/O error";
    case Status::Code::kTimeout:
      return "timeout";
    case Status::Code::kNetwork:
      return "network error";
    case Status::Code::kHttp:
      return "HTTP error";
    case Status::Code::kAuth:
      return "authentication error";
    case Status::Code::kCorruption:
      return "corruption";
    case Status::Code::kAborted:
      return "aborted";
  }
  return "unknown";
}

}  // namespace

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

}  // namespace cfm
