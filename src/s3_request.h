// Building signed S3 requests and parsing S3 responses, with no I/O.
//
// Every Build* function returns a complete, signed HttpRequest (method, url,
// headers; body only where noted) and every Parse* function reads an
// HttpResponse. Neither needs the blocking S3Client: the multi-interface
// transfer engine calls them with its own curl handles and attaches large
// bodies itself. All functions are pure (the time and credentials are
// arguments) and safe to call from any thread.
//
// Wire format rules (see docs/s3-and-curl.md): the request path is
// "/" + UriEncode(key, keep '/') (or "/bucket/..." in path style) built
// here, so the path on the wire equals the canonical path; the query string
// on the wire is exactly the canonical query string; a Host header is set
// explicitly so the signed host is the one sent. The payload hash is
// UNSIGNED-PAYLOAD over https and the hex SHA-256 of the body over http.
#ifndef CFMIGRATE_S3_REQUEST_H_
#define CFMIGRATE_S3_REQUEST_H_

#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aws_credentials.h"
#include "http.h"
#include "s3_error.h"
#include "sigv4.h"
#include "status.h"

namespace cfm {

// Where S3 lives. Make one with MakeS3Endpoint or S3EndpointFromEnv.
struct S3Endpoint {
  std::string region = "us-west-2";
  std::string scheme = "https";  // "https" or "http"
  // Custom endpoint: "host[:port]" (port only when not the scheme default)
  // and an optional base path ("" or "/prefix", no trailing '/').
  // Empty host: AWS, virtual-hosted "BUCKET.s3.REGION.amazonaws.com".
  std::string host;
  std::string base_path;
  // Path-style addressing "ENDPOINT/BUCKET/KEY"; always true for a custom
  // endpoint.
  bool path_style = false;
};

// An endpoint for `region`. `endpoint_url` empty: AWS with virtual-hosted
// addressing; otherwise "http[s]://host[:port][/path]" with path style.
// Fails with kInvalidArgument naming the URL when it cannot be parsed.
Result<S3Endpoint> MakeS3Endpoint(std::string region,
                                  std::string_view endpoint_url);

// As MakeS3Endpoint, with the endpoint URL taken from AWS_ENDPOINT_URL_S3,
// else AWS_ENDPOINT_URL (empty values ignored), read through `getenv`
// (returns nullptr for unset).
Result<S3Endpoint> S3EndpointFromEnv(
    std::string region, const std::function<const char*(const char*)>& getenv);

// One bucket at one endpoint; the unit every request builder works on.
struct S3Target {
  S3Endpoint endpoint;
  std::string bucket;
};

// Where a request for `key` ("" for the bucket itself) goes.
struct S3Address {
  std::string host;  // Host header value
  std::string path;  // encoded path, e.g. "/images/a%20b.jpg"
  std::string url;   // scheme://host + path (no query)
};
// Virtual-hosted for AWS unless the bucket has a '.' (TLS wildcard
// certificates do not cover it; path style is used then, as the SDKs do).
S3Address AddressFor(const S3Target& target, std::string_view key);

// Builds and signs any S3 request. `query` holds raw names/values;
// `headers` are extra headers to send and sign (e.g. Content-Type);
// `body` is used only for the payload hash over http and is NOT copied
// into the request. The request's timeouts are HttpRequest's defaults.
HttpRequest BuildS3Request(const S3Target& target, std::string_view method,
                           std::string_view key, const HeaderList& query,
                           const HeaderList& headers, std::string_view body,
                           const AwsCredentials& creds, std::time_t now);

// "PUT images/a.jpg" style label for messages.
std::string S3What(std::string_view method, std::string_view key);

struct PutObjectParams {
  std::string key;
  std::string content_type;  // "" → not sent (S3 stores binary/octet-stream)
  std::string acl;           // e.g. "bucket-owner-full-control"; "" → none
  std::string content_md5;   // base64 MD5 of the body; "" → none
  std::string checksum_crc32c;  // base64 (Crc32cBase64); "" → none
  // >= 0: the body is sent aws-chunked, these many payload bytes with their
  // CRC32C as a trailer (AwsChunkedEncoder; the caller sends its
  // EncodedLength). Needs https: the payload is not signed.
  int64_t chunked_payload_bytes = -1;
};

// PUT /key. The body is NOT attached (the caller sets request.body or
// streams it); `body` is read only to hash it over http.
HttpRequest BuildPutObject(const S3Target& target, const PutObjectParams& p,
                           std::string_view body, const AwsCredentials& creds,
                           std::time_t now);

struct PutObjectResult {
  std::string etag;             // as S3 sent it, with quotes
  std::string checksum_crc32c;  // x-amz-checksum-crc32c echoed, or ""
};
// 2xx → the result; anything else → the parsed S3Error.
S3Result<PutObjectResult> ParsePutObject(std::string_view what,
                                         const HttpResponse& response);

// POST /key?uploads. Sends p.content_type and p.acl (the MD5/CRC fields are
// ignored: they belong to parts).
HttpRequest BuildCreateMultipartUpload(const S3Target& target,
                                       const PutObjectParams& p,
                                       const AwsCredentials& creds,
                                       std::time_t now);
// → the UploadId.
S3Result<std::string> ParseCreateMultipartUpload(std::string_view what,
                                                 const HttpResponse& response);

// PUT /key?partNumber=N&uploadId=ID. Body NOT attached, as BuildPutObject.
// `content_md5` optional (base64). Parse with ParsePutObject (ETag).
HttpRequest BuildUploadPart(const S3Target& target, std::string_view key,
                            std::string_view upload_id, int part_number,
                            std::string_view body, std::string_view content_md5,
                            const AwsCredentials& creds, std::time_t now);

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // as UploadPart returned it
};
// The CompleteMultipartUpload XML document for `parts` (in the given order).
std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts);
// POST /key?uploadId=ID with the XML body ATTACHED (it is small).
HttpRequest BuildCompleteMultipartUpload(
    const S3Target& target, std::string_view key, std::string_view upload_id,
    const std::vector<CompletedPart>& parts, const AwsCredentials& creds,
    std::time_t now);
// → the final ETag. A 200 whose body is an <Error> is an error (S3 does that).
S3Result<std::string> ParseCompleteMultipartUpload(
    std::string_view what, const HttpResponse& response);

// DELETE /key?uploadId=ID. Parse with ParseEmpty (204 expected).
HttpRequest BuildAbortMultipartUpload(const S3Target& target,
                                      std::string_view key,
                                      std::string_view upload_id,
                                      const AwsCredentials& creds,
                                      std::time_t now);
S3Result<S3Done> ParseEmpty(std::string_view what,
                            const HttpResponse& response);

struct ObjectInfo {
  uint64_t size = 0;
  std::string etag;  // with quotes
  std::string content_type;
  std::string checksum_crc32c;  // only when asked for and stored
};
// HEAD /key. A missing key is an S3Error with code NoSuchKey and a kNotFound
// status.
HttpRequest BuildHeadObject(const S3Target& target, std::string_view key,
                            const AwsCredentials& creds, std::time_t now);
S3Result<ObjectInfo> ParseHeadObject(std::string_view what,
                                     const HttpResponse& response);

// GET /key, optionally with "Range: bytes=first-last" when range_last >= 0.
HttpRequest BuildGetObject(const S3Target& target, std::string_view key,
                           int64_t range_first, int64_t range_last,
                           const AwsCredentials& creds, std::time_t now);
struct GetObjectResult {
  ObjectInfo info;  // size = bytes in this response
  std::string body;
};
S3Result<GetObjectResult> ParseGetObject(std::string_view what,
                                         HttpResponse response);

struct ListObjectsParams {
  std::string prefix;
  std::string continuation_token;  // from the previous page, or ""
  std::string start_after;         // "" → none
  int max_keys = 1000;
};
struct ListedObject {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // with quotes
};
struct ListObjectsPage {
  std::vector<ListedObject> objects;
  bool is_truncated = false;
  std::string next_continuation_token;  // "" on the last page
};
// GET /?list-type=2&... with encoding-type=url (keys are decoded by the
// parser, so any key survives XML).
HttpRequest BuildListObjectsV2(const S3Target& target,
                               const ListObjectsParams& p,
                               const AwsCredentials& creds, std::time_t now);
S3Result<ListObjectsPage> ParseListObjectsV2(std::string_view what,
                                             const HttpResponse& response);

}  // namespace cfm

#endif  // CFMIGRATE_S3_REQUEST_H_
