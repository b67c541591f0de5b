// S3 errors: parsing S3's error responses and deciding, in one place, what a
// failure means for the run (retry the object, fail the object, stop the
// whole run, or refresh credentials once). Pure functions, no I/O; safe to
// call from any thread.
#ifndef CFMIGRATE_S3_ERROR_H_
#define CFMIGRATE_S3_ERROR_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "http.h"
#include "status.h"

namespace cfm {

// What a failed S3 request means for the caller.
enum class S3ErrorClass {
  kRetry,       // transient: back off and try the same request again
  kFailObject,  // this object cannot be written; record it and go on
  kStopRun,     // the run is misconfigured (bucket, credentials, policy)
  // ExpiredToken / TokenRefreshRequired: refresh the credentials once and
  // retry; if the retry still gets this class, treat it as kStopRun.
  kRefreshCredentials,
};

// "retry", "fail object", "stop run" or "refresh credentials".
const char* S3ErrorClassName(S3ErrorClass c);

// The class of an S3 error code (e.g. "SlowDown") with its HTTP status.
// `code` may be empty (unknown); the status then decides. The table:
//   retry: SlowDown, InternalError, RequestTimeout, ServiceUnavailable,
//          BadDigest, Throttling, any 429/500/502/503/504
//   stop:  AccessDenied, NoSuchBucket, InvalidAccessKeyId,
//          SignatureDoesNotMatch, AccessControlListNotSupported,
//          AllAccessDisabled, InvalidBucketName, PermanentRedirect, ...
//   refresh credentials: ExpiredToken, TokenRefreshRequired
//   everything else: fail the object
S3ErrorClass ClassifyS3Error(long http_status, std::string_view code);

// One failed S3 request, parsed. Never holds secrets.
struct S3Error {
  long http_status = 0;    // 0 for transport errors (no response)
  std::string code;        // S3 error code, "" for transport errors
  std::string message;     // S3's message, or the transport error text
  std::string request_id;  // x-amz-request-id or the XML RequestId
  S3ErrorClass error_class = S3ErrorClass::kFailObject;
  // Readable summary for logs and users, e.g. kHttp
  // "PUT images/a.jpg: 403 AccessDenied: Access Denied (request id ABC)".
  // kNotFound for NoSuchKey, kTimeout/kNetwork for transport errors, kAuth
  // when the credentials could not be obtained, kHttp otherwise.
  Status status;
};

// Builds the S3Error for a non-2xx `response` (or a 200 whose body is an
// <Error> document, as CompleteMultipartUpload may send). `what` names the
// request, e.g. "PUT images/a.jpg". HEAD responses have no body: the code
// is derived from the status (404 NoSuchKey, 403 AccessDenied, ...).
S3Error S3ErrorFromResponse(std::string_view what,
                            const HttpResponse& response);

// Builds the (retryable) S3Error for a transport failure returned by
// HttpClient::Send (timeout, reset, refused).
S3Error S3ErrorFromTransport(std::string_view what, const Status& transport);

// Builds the (stop-run) S3Error for credentials that could not be obtained.
S3Error S3ErrorFromCredentials(std::string_view what, const Status& creds);

// Parses an S3 error document (<Error><Code>…</Code><Message>…</Message>
// <RequestId>…</RequestId></Error>, also nested in <ErrorResponse>). Returns
// false when `xml` is not such a document; fields absent stay empty.
bool ParseS3ErrorXml(std::string_view xml, std::string* code,
                     std::string* message, std::string* request_id);

// A value, or the S3Error that explains why there is none. Like Result<T>,
// plus the parsed error and its class.
template <typename T>
class [[nodiscard]] S3Result {
 public:
  S3Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit
  S3Result(S3Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  // OK, or the error's readable Status.
  Status status() const { return ok() ? Status::OK() : error_.status; }
  // Precondition: !ok().
  const S3Error& error() const { return error_; }
  S3ErrorClass error_class() const { return error_.error_class; }
  // Precondition: ok().
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  S3Error error_;
};

// For operations that return nothing but success.
struct S3Done {};

}  // namespace cfm

#endif  // CFMIGRATE_S3_ERROR_H_
