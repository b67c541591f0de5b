// Request building half of s3_request.h; the parsers are in s3_response.cc.
#include "s3_request.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "aws_chunked.h"
#include "crypto.h"

namespace cfm {
namespace {

bool ParseScheme(std::string_view* url, std::string* scheme) {
  for (const char* s : {"https://", "http://"}) {
    std::string_view prefix(s);
    if (url->size() >= prefix.size() &&
        std::equal(prefix.begin(), prefix.end(), url->begin(),
                   [](char a, char b) { return a == std::tolower(b); })) {
      *scheme = std::string(prefix.substr(0, prefix.size() - 3));
      url->remove_prefix(prefix.size());
      return true;
    }
  }
  return false;
}

// Drops ":80" for http and ":443" for https, as curl would in Host.
std::string WithoutDefaultPort(std::string host, const std::string& scheme) {
  std::string port = scheme == "https" ? ":443" : ":80";
  if (host.size() > port.size() &&
      host.compare(host.size() - port.size(), port.size(), port) == 0)
    host.resize(host.size() - port.size());
  return host;
}

std::string AwsHostSuffix(const std::string& region) {
  std::string suffix = "s3." + region + ".amazonaws.com";
  if (region.rfind("cn-", 0) == 0) suffix += ".cn";
  return suffix;
}

std::string PayloadHash(const S3Target& target, std::string_view body) {
  if (target.endpoint.scheme == "https") return "UNSIGNED-PAYLOAD";
  return Sha256Hex(body);
}

void AddIfSet(HeaderList* headers, const char* name, const std::string& v) {
  if (!v.empty()) headers->emplace_back(name, v);
}

}  // namespace

Result<S3Endpoint> MakeS3Endpoint(std::string region,
                                  std::string_view endpoint_url) {
  if (region.empty()) return Status::InvalidArgument("AWS_REGION is empty");
  S3Endpoint e;
  e.region = std::move(region);
  if (endpoint_url.empty()) return e;
  std::string_view rest = endpoint_url;
  std::string bad = "S3 endpoint URL '" + std::string(endpoint_url) + "': ";
  if (!ParseScheme(&rest, &e.scheme))
    return Status::InvalidArgument(bad + "must start with http:// or https://");
  if (rest.find_first_of("?#@ ") != std::string_view::npos)
    return Status::InvalidArgument(bad + "no query, fragment, user or spaces");
  size_t slash = rest.find('/');
  e.host = WithoutDefaultPort(std::string(rest.substr(0, slash)), e.scheme);
  if (e.host.empty() || e.host[0] == ':')
    return Status::InvalidArgument(bad + "no host");
  if (slash != std::string_view::npos) e.base_path = rest.substr(slash);
  while (!e.base_path.empty() && e.base_path.back() == '/')
    e.base_path.pop_back();
  e.path_style = true;
  return e;
}

Result<S3Endpoint> S3EndpointFromEnv(
    std::string region, const std::function<const char*(const char*)>& getenv) {
  std::string url;
  for (const char* name : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
    const char* v = getenv(name);
    if (v && *v) {
      url = v;
      break;
    }
  }
  return MakeS3Endpoint(std::move(region), url);
}

S3Address AddressFor(const S3Target& target, std::string_view key) {
  const S3Endpoint& e = target.endpoint;
  S3Address a;
  std::string encoded_key = UriEncode(key, true);
  bool dotted = target.bucket.find('.') != std::string::npos;
  if (e.host.empty() && !(dotted && e.scheme == "https")) {
    a.host = target.bucket + "." + AwsHostSuffix(e.region);
    a.path = "/" + encoded_key;
  } else {
    a.host = e.host.empty() ? AwsHostSuffix(e.region) : e.host;
    a.path = e.base_path + "/" + UriEncode(target.bucket, false);
    if (!key.empty()) a.path += "/" + encoded_key;
  }
  a.url = e.scheme + "://" + a.host + a.path;
  return a;
}

namespace {

// BuildS3Request with the x-amz-content-sha256 value given.
HttpRequest SignedS3Request(const S3Target& target, std::string_view method,
                            std::string_view key, const HeaderList& query,
                            const HeaderList& headers, std::string payload_hash,
                            const AwsCredentials& creds, std::time_t now) {
  S3Address address = AddressFor(target, key);
  SigV4Request to_sign;
  to_sign.method = std::string(method);
  to_sign.host = address.host;
  to_sign.path = address.path;
  to_sign.query = query;
  to_sign.headers = headers;
  to_sign.payload_hash = std::move(payload_hash);
  SigV4Result sig = SignV4(to_sign, creds, target.endpoint.region, "s3", now);

  HttpRequest request;
  request.method = std::string(method);
  request.url = address.url;
  if (!query.empty()) request.url += "?" + CanonicalQueryString(query);
  // Sent explicitly so the Host on the wire is the signed one.
  request.headers.emplace_back("Host", address.host);
  for (const auto& h : headers) request.headers.push_back(h);
  for (const auto& h : sig.headers) request.headers.push_back(h);
  return request;
}

}  // namespace

HttpRequest BuildS3Request(const S3Target& target, std::string_view method,
                           std::string_view key, const HeaderList& query,
                           const HeaderList& headers, std::string_view body,
                           const AwsCredentials& creds, std::time_t now) {
  return SignedS3Request(target, method, key, query, headers,
                         PayloadHash(target, body), creds, now);
}

std::string S3What(std::string_view method, std::string_view key) {
  return std::string(method) + " " + std::string(key.empty() ? "/" : key);
}

HttpRequest BuildPutObject(const S3Target& target, const PutObjectParams& p,
                           std::string_view body, const AwsCredentials& creds,
                           std::time_t now) {
  HeaderList headers;
  AddIfSet(&headers, "Content-Type", p.content_type);
  AddIfSet(&headers, "Content-MD5", p.content_md5);
  AddIfSet(&headers, "x-amz-acl", p.acl);
  AddIfSet(&headers, "x-amz-checksum-crc32c", p.checksum_crc32c);
  if (p.chunked_payload_bytes < 0)
    return BuildS3Request(target, "PUT", p.key, {}, headers, body, creds, now);
  headers.emplace_back("Content-Encoding", "aws-chunked");
  headers.emplace_back("x-amz-decoded-content-length",
                       std::to_string(p.chunked_payload_bytes));
  headers.emplace_back("x-amz-sdk-checksum-algorithm", "CRC32C");
  headers.emplace_back("x-amz-trailer", AwsChunkedEncoder::kTrailer);
  return SignedS3Request(target, "PUT", p.key, {}, headers,
                         "STREAMING-UNSIGNED-PAYLOAD-TRAILER", creds, now);
}

HttpRequest BuildCreateMultipartUpload(const S3Target& target,
                                       const PutObjectParams& p,
                                       const AwsCredentials& creds,
                                       std::time_t now) {
  HeaderList headers;
  AddIfSet(&headers, "Content-Type", p.content_type);
  AddIfSet(&headers, "x-amz-acl", p.acl);
  return BuildS3Request(target, "POST", p.key, {{"uploads", ""}}, headers, "",
                        creds, now);
}

HttpRequest BuildUploadPart(const S3Target& target, std::string_view key,
                            std::string_view upload_id, int part_number,
                            std::string_view body, std::string_view content_md5,
                            const AwsCredentials& creds, std::time_t now) {
  HeaderList query = {{"partNumber", std::to_string(part_number)},
                      {"uploadId", std::string(upload_id)}};
  HeaderList headers;
  AddIfSet(&headers, "Content-MD5", std::string(content_md5));
  return BuildS3Request(target, "PUT", key, query, headers, body, creds, now);
}

std::string CompleteMultipartUploadXml(
    const std::vector<CompletedPart>& parts) {
  auto escape = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '&')
        out += "&amp;";
      else if (c == '<')
        out += "&lt;";
      else if (c == '>')
        out += "&gt;";
      else
        out += c;
    }
    return out;
  };
  std::string xml =
      "<CompleteMultipartUpload "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const CompletedPart& part : parts) {
    xml += "<Part><PartNumber>" + std::to_string(part.part_number) +
           "</PartNumber><ETag>" + escape(part.etag) + "</ETag></Part>";
  }
  return xml + "</CompleteMultipartUpload>";
}

HttpRequest BuildCompleteMultipartUpload(
    const S3Target& target, std::string_view key, std::string_view upload_id,
    const std::vector<CompletedPart>& parts, const AwsCredentials& creds,
    std::time_t now) {
  std::string body = CompleteMultipartUploadXml(parts);
  HeaderList headers = {{"Content-Type", "application/xml"}};
  HttpRequest request = BuildS3Request(target, "POST", key,
                                       {{"uploadId", std::string(upload_id)}},
                                       headers, body, creds, now);
  request.body = std::move(body);
  return request;
}

HttpRequest BuildAbortMultipartUpload(const S3Target& target,
                                      std::string_view key,
                                      std::string_view upload_id,
                                      const AwsCredentials& creds,
                                      std::time_t now) {
  return BuildS3Request(target, "DELETE", key,
                        {{"uploadId", std::string(upload_id)}}, {}, "", creds,
                        now);
}

HttpRequest BuildHeadObject(const S3Target& target, std::string_view key,
                            const AwsCredentials& creds, std::time_t now) {
  return BuildS3Request(target, "HEAD", key, {}, {}, "", creds, now);
}

HttpRequest BuildGetObject(const S3Target& target, std::string_view key,
                           int64_t range_first, int64_t range_last,
                           const AwsCredentials& creds, std::time_t now) {
  HeaderList headers;
  if (range_last >= 0) {
    headers.emplace_back("Range", "bytes=" + std::to_string(range_first) + "-" +
                                      std::to_string(range_last));
  }
  return BuildS3Request(target, "GET", key, {}, headers, "", creds, now);
}

HttpRequest BuildListObjectsV2(const S3Target& target,
                               const ListObjectsParams& p,
                               const AwsCredentials& creds, std::time_t now) {
  HeaderList query = {{"list-type", "2"},
                      {"encoding-type", "url"},
                      {"max-keys", std::to_string(p.max_keys)}};
  if (!p.prefix.empty()) query.emplace_back("prefix", p.prefix);
  if (!p.continuation_token.empty())
    query.emplace_back("continuation-token", p.continuation_token);
  if (!p.start_after.empty()) query.emplace_back("start-after", p.start_after);
  return BuildS3Request(target, "GET", "", query, {}, "", creds, now);
}

}  // namespace cfm
