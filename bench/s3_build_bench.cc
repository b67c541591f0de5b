// s3_build_bench: CPU cost of the pure S3 request path, per operation.
//
//   s3_build_bench [ITERATIONS]
//
// Prints microseconds per BuildPutObject over https (UNSIGNED-PAYLOAD: the
// engine's case), over http with a 390 KB body (SHA-256 of the body, the
// moto case), and per ParseListObjectsV2 of a 1000-key page.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "s3_request.h"

namespace {

template <typename F>
double MicrosPerOp(int n, F&& f) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f(i);
  std::chrono::duration<double, std::micro> d =
      std::chrono::steady_clock::now() - start;
  return d.count() / n;
}

std::string ListPage() {
  std::string xml =
      "<ListBucketResult><EncodingType>url</EncodingType>"
      "<IsTruncated>true</IsTruncated>";
  for (int i = 0; i < 1000; ++i) {
    xml += "<Contents><Key>images/auction%20" + std::to_string(i) +
           "/image.jpg</Key><Size>390000</Size><ETag>&quot;"
           "0123456789abcdef0123456789abcdef&quot;</ETag></Contents>";
  }
  return xml +
         "<NextContinuationToken>t</NextContinuationToken>"
         "</ListBucketResult>";
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (n <= 0) return 2;
  cfm::AwsCredentials creds;
  creds.access_key_id = "ASIAEXAMPLE";
  creds.secret_access_key = "secret";
  creds.session_token = std::string(600, 't');
  cfm::S3Target aws{cfm::MakeS3Endpoint("us-west-2", "").value(), "dest"};
  cfm::S3Target http{
      cfm::MakeS3Endpoint("us-west-2", "http://127.0.0.1:5000").value(),
      "dest"};
  cfm::PutObjectParams p;
  p.content_type = "image/jpeg";
  p.acl = "bucket-owner-full-control";
  std::string body(390 * 1000, 'x');
  size_t sink = 0;

  double https_us = MicrosPerOp(n, [&](int i) {
    p.key = "images/auction " + std::to_string(i) + "/image.jpg";
    sink += cfm::BuildPutObject(aws, p, body, creds, 1795867200).url.size();
  });
  double http_us = MicrosPerOp(n / 10 + 1, [&](int i) {
    p.key = "images/" + std::to_string(i) + ".jpg";
    sink += cfm::BuildPutObject(http, p, body, creds, 1795867200).url.size();
  });
  cfm::HttpResponse page;
  page.status = 200;
  page.body = ListPage();
  double list_us = MicrosPerOp(n / 100 + 1, [&](int) {
    sink += cfm::ParseListObjectsV2("LIST", page)->objects.size();
  });
  std::printf("BuildPutObject https (UNSIGNED-PAYLOAD): %.2f us/op\n",
              https_us);
  std::printf("BuildPutObject http, 390 KB body hashed: %.2f us/op\n", http_us);
  std::printf("ParseListObjectsV2, 1000 keys: %.1f us/page\n", list_us);
  return sink == 0;  // keeps the work observable
}
