// Response parsing half of s3_request.h.
#include <cstdlib>
#include <pugixml.hpp>
#include <string>
#include <utility>

#include "crypto.h"
#include "s3_request.h"

namespace cfm {
namespace {

bool IsSuccess(const HttpResponse& r) {
  return r.status >= 200 && r.status < 300;
}

// A 2xx whose body we cannot use: most likely cut short, so retry.
S3Error Malformed(std::string_view what, const HttpResponse& r,
                  std::string_view detail) {
  S3Error e;
  e.http_status = r.status;
  e.code = "MalformedResponse";
  e.message = std::string(detail);
  e.request_id = r.Header("x-amz-request-id");
  e.error_class = S3ErrorClass::kRetry;
  e.status = Status::Http(std::string(what) + ": " + std::to_string(r.status) +
                          " " + e.message);
  return e;
}

bool ParseU64(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (*end != '\0' || s[0] == '-') return false;
  *out = v;
  return true;
}

// Decodes encoding-type=url values ('+' is a space, %XX a byte).
std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               HexDigitValue(s[i + 1]) >= 0 && HexDigitValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigitValue(s[i + 1]) * 16 +
                               HexDigitValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Loads `body` and returns its root element named `root`, or an empty node.
pugi::xml_node LoadRoot(pugi::xml_document* doc, const std::string& body,
                        const char* root) {
  if (!doc->load_buffer(body.data(), body.size())) return pugi::xml_node();
  return doc->child(root);
}

}  // namespace

S3Result<PutObjectResult> ParsePutObject(std::string_view what,
                                         const HttpResponse& response) {
  if (!IsSuccess(response)) return S3ErrorFromResponse(what, response);
  PutObjectResult result;
  result.etag = response.Header("etag");
  result.checksum_crc32c = response.Header("x-amz-checksum-crc32c");
  if (result.etag.empty()) return Malformed(what, response, "no ETag header");
  return result;
}

S3Result<std::string> ParseCreateMultipartUpload(std::string_view what,
                                                 const HttpResponse& response) {
  if (!IsSuccess(response)) return S3ErrorFromResponse(what, response);
  pugi::xml_document doc;
  std::string id =
      LoadRoot(&doc, response.body, "InitiateMultipartUploadResult")
          .child_value("UploadId");
  if (id.empty()) return Malformed(what, response, "no UploadId in body");
  return id;
}

S3Result<std::string> ParseCompleteMultipartUpload(
    std::string_view what, const HttpResponse& response) {
  if (!IsSuccess(response)) return S3ErrorFromResponse(what, response);
  pugi::xml_document doc;
  if (doc.load_buffer(response.body.data(), response.body.size()) &&
      doc.child("Error"))
    return S3ErrorFromResponse(what, response);
  // S3 names the root CompleteMultipartUploadResult; moto 5.2.1 says
  // CompleteMultipartUploadResponse. Either carries the ETag.
  pugi::xml_node root = doc.document_element();
  std::string name = root.name();
  std::string etag;
  if (name.rfind("CompleteMultipartUpload", 0) == 0)
    etag = root.child_value("ETag");
  if (etag.empty()) return Malformed(what, response, "no ETag in body");
  return etag;
}

S3Result<S3Done> ParseEmpty(std::string_view what,
                            const HttpResponse& response) {
  if (!IsSuccess(response)) return S3ErrorFromResponse(what, response);
  return S3Done{};
}

S3Result<ObjectInfo> ParseHeadObject(std::string_view what,
                                     const HttpResponse& response) {
  if (!IsSuccess(response)) return S3ErrorFromResponse(what, response);
  ObjectInfo info;
  if (!ParseU64(response.Header("content-length"), &info.size))
    return Malformed(what, response, "no Content-Length header");
  info.etag = response.Header("etag");
  info.content_type = response.Header("content-type");
  info.checksum_crc32c = response.Header("x-amz-checksum-crc32c");
  return info;
}

S3Result<GetObjectResult> ParseGetObject(std::string_view what,
                                         HttpResponse response) {
  if (!IsSuccess(response)) return S3ErrorFromResponse(what, response);
  GetObjectResult result;
  uint64_t expected = 0;
  if (ParseU64(response.Header("content-length"), &expected) &&
      expected != response.body.size())
    return Malformed(what, response, "body shorter than Content-Length");
  result.info.size = response.body.size();
  result.info.etag = response.Header("etag");
  result.info.content_type = response.Header("content-type");
  result.info.checksum_crc32c = response.Header("x-amz-checksum-crc32c");
  result.body = std::move(response.body);
  return result;
}

S3Result<ListObjectsPage> ParseListObjectsV2(std::string_view what,
                                             const HttpResponse& response) {
  if (!IsSuccess(response)) return S3ErrorFromResponse(what, response);
  pugi::xml_document doc;
  pugi::xml_node root = LoadRoot(&doc, response.body, "ListBucketResult");
  if (!root) return Malformed(what, response, "no ListBucketResult in body");
  bool url_encoded = std::string(root.child_value("EncodingType")) == "url";
  ListObjectsPage page;
  for (pugi::xml_node c : root.children("Contents")) {
    ListedObject object;
    object.key = c.child_value("Key");
    if (url_encoded) object.key = UrlDecode(object.key);
    if (!ParseU64(c.child_value("Size"), &object.size))
      return Malformed(what, response, "bad Size for " + object.key);
    object.etag = c.child_value("ETag");
    page.objects.push_back(std::move(object));
  }
  page.is_truncated = std::string(root.child_value("IsTruncated")) == "true";
  page.next_continuation_token = root.child_value("NextContinuationToken");
  if (page.is_truncated && page.next_continuation_token.empty())
    return Malformed(what, response, "truncated without a continuation token");
  return page;
}

}  // namespace cfm
