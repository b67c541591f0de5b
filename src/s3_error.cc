#include "s3_error.h"

#include <array>
#include <pugixml.hpp>
#include <string>

namespace cfm {
namespace {

struct CodeClass {
  const char* code;
  S3ErrorClass error_class;
};

// The single table of S3 error codes that are not "fail the object".
constexpr std::array<CodeClass, 30> kCodeClasses = {{
    {"SlowDown", S3ErrorClass::kRetry},
    {"InternalError", S3ErrorClass::kRetry},
    {"RequestTimeout", S3ErrorClass::kRetry},
    {"ServiceUnavailable", S3ErrorClass::kRetry},
    {"BadDigest", S3ErrorClass::kRetry},  // bytes corrupted on the way
    {"IncompleteBody", S3ErrorClass::kRetry},
    {"Throttling", S3ErrorClass::kRetry},
    {"ThrottlingException", S3ErrorClass::kRetry},
    {"RequestThrottled", S3ErrorClass::kRetry},
    {"TooManyRequests", S3ErrorClass::kRetry},
    {"OperationAborted", S3ErrorClass::kRetry},
    {"AccessDenied", S3ErrorClass::kStopRun},
    {"NoSuchBucket", S3ErrorClass::kStopRun},
    {"InvalidAccessKeyId", S3ErrorClass::kStopRun},
    {"SignatureDoesNotMatch", S3ErrorClass::kStopRun},
    {"AccessControlListNotSupported", S3ErrorClass::kStopRun},
    {"AllAccessDisabled", S3ErrorClass::kStopRun},
    {"InvalidBucketName", S3ErrorClass::kStopRun},
    {"AccountProblem", S3ErrorClass::kStopRun},
    {"InvalidToken", S3ErrorClass::kStopRun},
    {"InvalidSecurity", S3ErrorClass::kStopRun},
    {"MissingSecurityHeader", S3ErrorClass::kStopRun},
    {"NotSignedUp", S3ErrorClass::kStopRun},
    {"AuthorizationHeaderMalformed", S3ErrorClass::kStopRun},  // region
    {"PermanentRedirect", S3ErrorClass::kStopRun},             // region
    {"RequestTimeTooSkewed", S3ErrorClass::kStopRun},          // clock
    {"InvalidBucketState", S3ErrorClass::kStopRun},
    {"UnauthorizedAccess", S3ErrorClass::kStopRun},
    {"ExpiredToken", S3ErrorClass::kRefreshCredentials},
    {"TokenRefreshRequired", S3ErrorClass::kRefreshCredentials},
}};

// Code and message for a response without an error document (HEAD, or a
// proxy's HTML page).
std::pair<const char*, const char*> CodeForStatus(long status) {
  switch (status) {
    case 301:
      return {"PermanentRedirect", "Moved Permanently (wrong region?)"};
    case 400:
      return {"BadRequest", "Bad Request"};
    case 403:
      return {"AccessDenied", "Forbidden"};
    case 404:
      return {"NoSuchKey", "Not Found"};
    case 405:
      return {"MethodNotAllowed", "Method Not Allowed"};
    case 412:
      return {"PreconditionFailed", "Precondition Failed"};
    case 416:
      return {"InvalidRange", "Range Not Satisfiable"};
    case 429:
      return {"TooManyRequests", "Too Many Requests"};
    case 500:
      return {"InternalError", "Internal Server Error"};
    case 503:
      return {"ServiceUnavailable", "Service Unavailable"};
    default:
      return {"", ""};
  }
}

// One line, bounded, so that a hostile or verbose body cannot flood logs.
std::string OneLine(std::string_view s, size_t max = 300) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out;
}

Status ReadableStatus(std::string_view what, const S3Error& e) {
  std::string msg = std::string(what) + ": " + std::to_string(e.http_status);
  if (!e.code.empty()) msg += " " + e.code;
  if (!e.message.empty()) msg += ": " + e.message;
  if (!e.request_id.empty()) msg += " (request id " + e.request_id + ")";
  if (e.code == "NoSuchKey") return Status::NotFound(msg);
  return Status::Http(msg);
}

}  // namespace

const char* S3ErrorClassName(S3ErrorClass c) {
  switch (c) {
    case S3ErrorClass::kRetry:
      return "retry";
    case S3ErrorClass::kFailObject:
      return "fail object";
    case S3ErrorClass::kStopRun:
      return "stop run";
    case S3ErrorClass::kRefreshCredentials:
      return "refresh credentials";
  }
  return "unknown";
}

S3ErrorClass ClassifyS3Error(long http_status, std::string_view code) {
  for (const CodeClass& entry : kCodeClasses)
    if (code == entry.code) return entry.error_class;
  switch (http_status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return S3ErrorClass::kRetry;
    default:
      return S3ErrorClass::kFailObject;
  }
}

bool ParseS3ErrorXml(std::string_view xml, std::string* code,
                     std::string* message, std::string* request_id) {
  pugi::xml_document doc;
  if (xml.empty() || !doc.load_buffer(xml.data(), xml.size())) return false;
  pugi::xml_node error = doc.child("Error");
  if (!error) error = doc.select_node("//Error").node();
  if (!error) return false;
  *code = error.child_value("Code");
  *message = error.child_value("Message");
  *request_id = error.child_value("RequestId");
  if (request_id->empty()) *request_id = error.child_value("RequestID");
  if (request_id->empty())
    *request_id = doc.document_element().child_value("RequestId");
  return true;
}

S3Error S3ErrorFromResponse(std::string_view what,
                            const HttpResponse& response) {
  S3Error e;
  e.http_status = response.status;
  if (!ParseS3ErrorXml(response.body, &e.code, &e.message, &e.request_id) ||
      e.code.empty()) {
    auto [code, message] = CodeForStatus(response.status);
    e.code = code;
    e.message = message;
  }
  e.code = OneLine(e.code, 100);
  e.message = OneLine(e.message);
  e.request_id = OneLine(e.request_id, 100);
  if (e.request_id.empty())
    e.request_id = OneLine(response.Header("x-amz-request-id"), 100);
  e.error_class = ClassifyS3Error(e.http_status, e.code);
  e.status = ReadableStatus(what, e);
  return e;
}

S3Error S3ErrorFromTransport(std::string_view what, const Status& transport) {
  S3Error e;
  e.message = transport.message();
  e.error_class = S3ErrorClass::kRetry;
  e.status = transport.WithContext(what);
  return e;
}

S3Error S3ErrorFromCredentials(std::string_view what, const Status& creds) {
  S3Error e;
  e.message = creds.message();
  e.error_class = S3ErrorClass::kStopRun;
  e.status = Status::Auth(std::string(what) +
                          ": no AWS credentials: " + creds.message());
  return e;
}

}  // namespace cfm
