// AWS Signature Version 4 for S3 (header-based, single chunk), following the
// rules of the S3 API reference page "Signature Calculations for the
// Authorization Header" (sig-v4-header-based-auth). Pure functions: no I/O,
// no clock (callers pass the time). The only state is a per-thread cache of
// the last derived signing key, so every function is safe to call from any
// thread and gives the same output for the same input.
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
  // UriEncode(..., true), e.g. "/bucket/caf%C3%A9.jpg". Not re-encoded;
  // empty is signed as "/".
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

// Raw 32-byte SigV4 signing key: HMAC chain over "AWS4" + secret, `date`
// (YYYYMMDD), `region`, `service`, "aws4_request".
std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service);

// Signs `request` for `region` and `service` ("s3") at time `now` (UTC) and
// returns the headers to add. Header names in `request.headers` are
// lower-cased; values are trimmed and inner whitespace runs collapsed to one
// space; repeated names are joined with ','. Entries named host,
// authorization, x-amz-date, x-amz-content-sha256 or x-amz-security-token in
// `request.headers` are ignored: the signer supplies those. The signing key
// is derived once per thread and (secret, date, region, service). Cannot
// fail; an empty payload_hash is signed as the empty string, which S3 will
// refuse.
SigV4Result SignV4(const SigV4Request& request, const AwsCredentials& creds,
                   std::string_view region, std::string_view service,
                   std::time_t now);

}  // namespace cfm

#endif  // CFMIGRATE_SIGV4_H_
