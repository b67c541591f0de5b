// AWS Signature Version 4 for S3, as a pure function: no I/O, no clock, no
// globals. Callers pass the time. Safe to call from any thread.
#ifndef CFMIGRATE_SIGV4_H_
#define CFMIGRATE_SIGV4_H_

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws_credentials.h"

namespace cfm {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// AWS UriEncode: every byte except A-Z a-z 0-9 - . _ ~ becomes %XX with
// upper-case hex; '/' is kept when `keep_slash` (object key paths).
std::string UriEncode(std::string_view s, bool keep_slash);

// Query parameters sorted by encoded name (then value), each written as
// UriEncode(name)=UriEncode(value); a valueless parameter becomes "name=".
std::string CanonicalQueryString(const HeaderList& query);

struct SigV4Request {
  std::string method;  // "GET", "PUT", ...
  std::string host;    // Host header value, with ":port" when not default
  // The request path exactly as sent on the wire, already encoded with
  // UriEncode(..., true), e.g. "/bucket/caf%C3%A9.jpg". Not re-encoded.
  std::string path;
  HeaderList query;  // raw (not encoded) names and values, any order
  // Headers to sign besides host, x-amz-date, x-amz-content-sha256 and
  // x-amz-security-token (which the signer adds): any case, any order.
  HeaderList headers;
  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
  std::string payload_hash;
};

struct SigV4Result {
  // Headers the caller must add to the request, exactly as given:
  // x-amz-date, x-amz-content-sha256, x-amz-security-token (when the
  // credentials carry a token) and Authorization.
  HeaderList headers;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
};

// Signs `request` for `region` and `service` ("s3") at time `now` (UTC).
SigV4Result SignV4(const SigV4Request& request, const AwsCredentials& creds,
                   std::string_view region, std::string_view service,
                   std::time_t now);

}  // namespace cfm

#endif  // CFMIGRATE_SIGV4_H_
