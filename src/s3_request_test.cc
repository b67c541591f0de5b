#include "s3_request.h"

#include <gtest/gtest.h>

#include <map>

#include "crypto.h"

namespace cfm {
namespace {

constexpr std::time_t kNow = 1795867200;  // 2026-11-28T12:00:00Z

std::string HeaderOf(const HttpRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "<absent>";
}

S3Target Moto() {
  return {MakeS3Endpoint("us-west-2", "http://127.0.0.1:5000").value(), "dest"};
}

AwsCredentials Creds(std::string token = "") {
  AwsCredentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.session_token = std::move(token);
  return c;
}

TEST(S3EndpointTest, EmptyUrlIsAwsVirtualHosted) {
  S3Endpoint e = MakeS3Endpoint("eu-central-1", "").value();
  EXPECT_EQ(e.scheme, "https");
  EXPECT_EQ(e.host, "");
  EXPECT_FALSE(e.path_style);
  EXPECT_EQ(e.region, "eu-central-1");
}

TEST(S3EndpointTest, CustomUrlIsPathStyle) {
  S3Endpoint e = MakeS3Endpoint("us-west-2", "http://127.0.0.1:5000/").value();
  EXPECT_EQ(e.scheme, "http");
  EXPECT_EQ(e.host, "127.0.0.1:5000");
  EXPECT_EQ(e.base_path, "");
  EXPECT_TRUE(e.path_style);
  e = MakeS3Endpoint("r", "HTTPS://minio.example:443/base/s3/").value();
  EXPECT_EQ(e.scheme, "https");
  EXPECT_EQ(e.host, "minio.example");  // default port dropped
  EXPECT_EQ(e.base_path, "/base/s3");
}

TEST(S3EndpointTest, RejectsBadUrlsAndEmptyRegion) {
  for (const char* bad : {"ftp://x", "127.0.0.1:5000", "http://", "http://:80",
                          "http://h/?q=1", "http://u@h/"}) {
    auto e = MakeS3Endpoint("us-west-2", bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(e.status().message().find(bad), std::string::npos);
  }
  EXPECT_FALSE(MakeS3Endpoint("", "").ok());
}

TEST(S3EndpointTest, FromEnvPrefersS3SpecificVariable) {
  std::map<std::string, std::string> env;
  auto getenv = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_EQ(S3EndpointFromEnv("us-west-2", getenv)->host, "");
  env["AWS_ENDPOINT_URL"] = "http://general:1";
  EXPECT_EQ(S3EndpointFromEnv("us-west-2", getenv)->host, "general:1");
  env["AWS_ENDPOINT_URL_S3"] = "http://s3only:2";
  EXPECT_EQ(S3EndpointFromEnv("us-west-2", getenv)->host, "s3only:2");
  env["AWS_ENDPOINT_URL_S3"] = "";  // empty: ignored
  EXPECT_EQ(S3EndpointFromEnv("us-west-2", getenv)->host, "general:1");
}

TEST(S3AddressTest, VirtualHostedForAwsWithEncodedKey) {
  S3Target t{MakeS3Endpoint("us-west-2", "").value(), "my-bucket"};
  S3Address a = AddressFor(t, "images/a b+c=d!\xC3\xA9.jpg");
  EXPECT_EQ(a.host, "my-bucket.s3.us-west-2.amazonaws.com");
  EXPECT_EQ(a.path, "/images/a%20b%2Bc%3Dd%21%C3%A9.jpg");
  EXPECT_EQ(a.url,
            "https://my-bucket.s3.us-west-2.amazonaws.com"
            "/images/a%20b%2Bc%3Dd%21%C3%A9.jpg");
  EXPECT_EQ(AddressFor(t, "").path, "/");
}

TEST(S3AddressTest, DottedBucketUsesPathStyleOverHttps) {
  S3Target t{MakeS3Endpoint("us-west-2", "").value(), "my.bucket"};
  S3Address a = AddressFor(t, "k.jpg");
  EXPECT_EQ(a.url, "https://s3.us-west-2.amazonaws.com/my.bucket/k.jpg");
  t.endpoint.region = "cn-north-1";
  t.bucket = "b";
  EXPECT_EQ(AddressFor(t, "k").host, "b.s3.cn-north-1.amazonaws.com.cn");
}

TEST(S3AddressTest, PathStyleForCustomEndpoint) {
  S3Target t = Moto();
  EXPECT_EQ(AddressFor(t, "a/b c.jpg").url,
            "http://127.0.0.1:5000/dest/a/b%20c.jpg");
  EXPECT_EQ(AddressFor(t, "").path, "/dest");
  t.endpoint.base_path = "/s3";
  EXPECT_EQ(AddressFor(t, "k").path, "/s3/dest/k");
}

// Expected signatures computed with botocore 1.43.11 S3SigV4Auth for the
// same request and time (independent oracle).
TEST(S3RequestTest, PutOverHttpSignsBodyHashLikeBotocore) {
  PutObjectParams p;
  p.key = "images/a b.jpg";
  p.content_type = "image/jpeg";
  p.acl = "bucket-owner-full-control";
  HttpRequest r = BuildPutObject(Moto(), p, "hello", Creds(), kNow);
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.url, "http://127.0.0.1:5000/dest/images/a%20b.jpg");
  EXPECT_EQ(r.body, "");  // the caller attaches the body
  EXPECT_EQ(HeaderOf(r, "Host"), "127.0.0.1:5000");
  EXPECT_EQ(HeaderOf(r, "x-amz-content-sha256"), Sha256Hex("hello"));
  EXPECT_EQ(HeaderOf(r, "Content-MD5"), "<absent>");
  EXPECT_NE(HeaderOf(r, "Authorization")
                .find("Signature=4b6c391a5d8e845ce022ef67fdb55b1b00a7da4e17d882"
                      "03c68505b25ff1dae2"),
            std::string::npos)
      << HeaderOf(r, "Authorization");
}

TEST(S3RequestTest, ListOverHttpsIsUnsignedPayloadWithTokenLikeBotocore) {
  S3Target t{MakeS3Endpoint("eu-central-1", "").value(), "my-bucket"};
  AwsCredentials c = Creds("TOKEN/+=");
  c.access_key_id = "ASIAEXAMPLE";
  c.secret_access_key = "secret2";
  ListObjectsParams p;
  p.prefix = "images/a b";
  p.continuation_token = "1/abc=";
  HttpRequest r = BuildListObjectsV2(t, p, c, kNow);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url,
            "https://my-bucket.s3.eu-central-1.amazonaws.com/"
            "?continuation-token=1%2Fabc%3D&encoding-type=url&list-type=2"
            "&max-keys=1000&prefix=images%2Fa%20b");
  EXPECT_EQ(HeaderOf(r, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(HeaderOf(r, "x-amz-security-token"), "TOKEN/+=");
  EXPECT_NE(HeaderOf(r, "Authorization")
                .find("Signature=5b53d6837246edfabffcfe4a0439b07c12a31b77ec6d49"
                      "6a40a2ce6f9993e81c"),
            std::string::npos);
}

TEST(S3RequestTest, IntegrityHeadersAreSentAndSigned) {
  PutObjectParams p;
  p.key = "k";
  p.content_md5 = "XUFAKrxLKna5cZ2REBfFkg==";
  p.checksum_crc32c = "yZRlqg==";
  HttpRequest r = BuildPutObject(Moto(), p, "", Creds(), kNow);
  EXPECT_EQ(HeaderOf(r, "Content-MD5"), p.content_md5);
  EXPECT_EQ(HeaderOf(r, "x-amz-checksum-crc32c"), p.checksum_crc32c);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "<absent>");
  std::string auth = HeaderOf(r, "Authorization");
  EXPECT_NE(auth.find("content-md5;host;"), std::string::npos) << auth;
  EXPECT_NE(auth.find("x-amz-checksum-crc32c;"), std::string::npos) << auth;
}

TEST(S3RequestTest, ChunkedPutCarriesItsCrc32cAsASignedTrailer) {
  S3Target t{MakeS3Endpoint("us-east-1", "https://127.0.0.1:5443").value(),
             "dest"};
  PutObjectParams p;
  p.key = "k.jpg";
  p.chunked_payload_bytes = 70000;
  HttpRequest r = BuildPutObject(t, p, "", Creds(), kNow);
  EXPECT_EQ(HeaderOf(r, "x-amz-content-sha256"),
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "aws-chunked");
  EXPECT_EQ(HeaderOf(r, "x-amz-decoded-content-length"), "70000");
  EXPECT_EQ(HeaderOf(r, "x-amz-trailer"), "x-amz-checksum-crc32c");
  EXPECT_EQ(HeaderOf(r, "x-amz-sdk-checksum-algorithm"), "CRC32C");
  EXPECT_EQ(HeaderOf(r, "x-amz-checksum-crc32c"), "<absent>");
  std::string auth = HeaderOf(r, "Authorization");
  EXPECT_NE(auth.find("SignedHeaders=content-encoding;host;x-amz-content-"
                      "sha256;x-amz-date;x-amz-decoded-content-length;"
                      "x-amz-sdk-checksum-algorithm;x-amz-trailer,"),
            std::string::npos)
      << auth;
  p.chunked_payload_bytes = -1;  // the default: sent as is
  r = BuildPutObject(t, p, "", Creds(), kNow);
  EXPECT_EQ(HeaderOf(r, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "<absent>");
}

TEST(S3RequestTest, MultipartRequests) {
  PutObjectParams p;
  p.key = "big.jpg";
  p.content_type = "image/jpeg";
  p.acl = "bucket-owner-full-control";
  HttpRequest create = BuildCreateMultipartUpload(Moto(), p, Creds(), kNow);
  EXPECT_EQ(create.method, "POST");
  EXPECT_EQ(create.url, "http://127.0.0.1:5000/dest/big.jpg?uploads=");
  EXPECT_EQ(HeaderOf(create, "x-amz-acl"), "bucket-owner-full-control");

  HttpRequest part =
      BuildUploadPart(Moto(), "big.jpg", "id/1+", 3, "xyz", "", Creds(), kNow);
  EXPECT_EQ(
      part.url,
      "http://127.0.0.1:5000/dest/big.jpg?partNumber=3&uploadId=id%2F1%2B");
  EXPECT_EQ(HeaderOf(part, "x-amz-content-sha256"), Sha256Hex("xyz"));

  HttpRequest done = BuildCompleteMultipartUpload(
      Moto(), "big.jpg", "U", {{1, "\"e1\""}, {2, "\"e&2\""}}, Creds(), kNow);
  EXPECT_EQ(done.method, "POST");
  EXPECT_EQ(done.url, "http://127.0.0.1:5000/dest/big.jpg?uploadId=U");
  EXPECT_EQ(done.body,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/"
            "2006-03-01/\"><Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag>"
            "</Part><Part><PartNumber>2</PartNumber><ETag>\"e&amp;2\"</ETag>"
            "</Part></CompleteMultipartUpload>");
  EXPECT_EQ(HeaderOf(done, "x-amz-content-sha256"), Sha256Hex(done.body));

  HttpRequest abort =
      BuildAbortMultipartUpload(Moto(), "big.jpg", "U", Creds(), kNow);
  EXPECT_EQ(abort.method, "DELETE");
  EXPECT_EQ(abort.url, "http://127.0.0.1:5000/dest/big.jpg?uploadId=U");
}

TEST(S3RequestTest, GetWithRangeAndHead) {
  HttpRequest get = BuildGetObject(Moto(), "k", 10, 19, Creds(), kNow);
  EXPECT_EQ(HeaderOf(get, "Range"), "bytes=10-19");
  EXPECT_EQ(
      HeaderOf(BuildGetObject(Moto(), "k", 0, -1, Creds(), kNow), "Range"),
      "<absent>");
  HttpRequest head = BuildHeadObject(Moto(), "k", Creds(), kNow);
  EXPECT_EQ(head.method, "HEAD");
  EXPECT_EQ(HeaderOf(head, "x-amz-content-sha256"), Sha256Hex(""));
}

}  // namespace
}  // namespace cfm
