// Status and Result: cheap value types that carry success or an error with
// a code and a human-readable message. Modelled on LevelDB's Status.
#ifndef CFMIGRATE_STATUS_H_
#define CFMIGRATE_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cfm {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,  // bad configuration or input; exit code 2
    kNotFound,
    kIOError,     // local file system
    kTimeout,     // network timeout
    kNetwork,     // connect/reset/short body and other transport errors
    kHttp,        // an HTTP status the caller did not expect
    kAuth,        // credentials missing or refused
    kCorruption,  // bytes or state that do not match what was promised
    kAborted,     // stopped by a signal or by the caller
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status NotFound(std::string msg) {
    return Status(Code::kNotFound, std::move(msg));
  }
  static Status IOError(std::string msg) {
    return Status(Code::kIOError, std::move(msg));
  }
  static Status Timeout(std::string msg) {
    return Status(Code::kTimeout, std::move(msg));
  }
  static Status Network(std::string msg) {
    return Status(Code::kNetwork, std::move(msg));
  }
  static Status Http(std::string msg) {
    return Status(Code::kHttp, std::move(msg));
  }
  static Status Auth(std::string msg) {
    return Status(Code::kAuth, std::move(msg));
  }
  static Status Corruption(std::string msg) {
    return Status(Code::kCorruption, std::move(msg));
  }
  static Status Aborted(std::string msg) {
    return Status(Code::kAborted, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK" or "<code name>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // Precondition: ok().
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace cfm

#endif  // CFMIGRATE_STATUS_H_
