// s3_probe: drives S3Client from the command line, for the integration
// tests (tests/test_s3_client.py) and for poking at a real bucket.
//
//   s3_probe put  BUCKET KEY FILE [CONTENT-TYPE] [--md5] [--crc32c] [--acl=X]
//   s3_probe head BUCKET KEY
//   s3_probe get  BUCKET KEY OUTFILE [FIRST-LAST]
//   s3_probe list BUCKET PREFIX [MAX-KEYS] [START-AFTER]
//   s3_probe mpu  BUCKET KEY FILE PARTSIZE [CONTENT-TYPE]
//
// Configuration from the environment: AWS_REGION (us-west-2),
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. Prints results on stdout;
// on failure prints "error: ...", "class: ..." and "code: ..." on stderr
// and exits 1 (2 for bad usage).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "crypto.h"
#include "s3_client.h"

namespace {

using cfm::S3Result;

const char* Env(const char* name) { return std::getenv(name); }

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

template <typename T>
int Fail(const S3Result<T>& r) {
  std::cerr << "error: " << r.status().ToString() << "\n"
            << "class: " << cfm::S3ErrorClassName(r.error_class()) << "\n"
            << "code: " << r.error().code << "\n";
  return 1;
}

int Usage() {
  std::cerr << "usage: s3_probe put|head|get|list|mpu BUCKET ... "
               "(see bench/s3_probe.cc)\n";
  return 2;
}

cfm::S3Client MakeClient(const cfm::S3Endpoint& endpoint,
                         const std::string& bucket) {
  cfm::S3ClientOptions options;
  options.target = {endpoint, bucket};
  options.credentials = []() -> cfm::Result<cfm::AwsCredentials> {
    cfm::AwsCredentials c;
    c.access_key_id = Env("AWS_ACCESS_KEY_ID") ? Env("AWS_ACCESS_KEY_ID") : "";
    c.secret_access_key =
        Env("AWS_SECRET_ACCESS_KEY") ? Env("AWS_SECRET_ACCESS_KEY") : "";
    c.session_token = Env("AWS_SESSION_TOKEN") ? Env("AWS_SESSION_TOKEN") : "";
    c.provider = "environment";
    if (c.access_key_id.empty())
      return cfm::Status::Auth("AWS_ACCESS_KEY_ID is not set");
    return c;
  };
  return cfm::S3Client(std::move(options), cfm::NewCurlHttpClient());
}

int Put(cfm::S3Client& s3, const std::vector<std::string>& a) {
  cfm::PutObjectParams p;
  p.key = a[1];
  std::string body;
  if (!ReadFile(a[2], &body)) return Usage();
  for (size_t i = 3; i < a.size(); ++i) {
    if (a[i] == "--md5") {
      p.content_md5 = cfm::Base64Encode(cfm::Md5(body));
    } else if (a[i] == "--crc32c") {
      p.checksum_crc32c = cfm::Crc32cBase64(cfm::Crc32c(body));
    } else if (a[i].rfind("--acl=", 0) == 0) {
      p.acl = a[i].substr(6);
    } else {
      p.content_type = a[i];
    }
  }
  auto r = s3.PutObject(p, body);
  if (!r.ok()) return Fail(r);
  std::cout << "etag " << r->etag << "\n";
  if (!r->checksum_crc32c.empty())
    std::cout << "crc32c " << r->checksum_crc32c << "\n";
  return 0;
}

int Head(cfm::S3Client& s3, const std::vector<std::string>& a) {
  auto r = s3.HeadObject(a[1]);
  if (!r.ok()) return Fail(r);
  std::cout << "size " << r->size << "\netag " << r->etag << "\ncontent-type "
            << r->content_type << "\n";
  return 0;
}

int Get(cfm::S3Client& s3, const std::vector<std::string>& a) {
  if (a.size() < 3) return Usage();
  int64_t first = 0, last = -1;
  if (a.size() > 3 && std::sscanf(a[3].c_str(), "%ld-%ld", &first, &last) != 2)
    return Usage();
  auto r = s3.GetObject(a[1], first, last);
  if (!r.ok()) return Fail(r);
  std::ofstream(a[2], std::ios::binary) << r->body;
  std::cout << "size " << r->info.size << "\netag " << r->info.etag << "\n";
  return 0;
}

int List(cfm::S3Client& s3, const std::vector<std::string>& a) {
  cfm::ListObjectsParams p;
  p.prefix = a.size() > 1 ? a[1] : "";
  if (a.size() > 2) p.max_keys = std::atoi(a[2].c_str());
  if (a.size() > 3) p.start_after = a[3];
  int pages = 0;
  size_t count = 0;
  do {
    auto r = s3.ListObjectsV2(p);
    if (!r.ok()) return Fail(r);
    ++pages;
    for (const auto& o : r->objects) {
      std::cout << o.key << "\t" << o.size << "\t" << o.etag << "\n";
      ++count;
    }
    p.continuation_token = r->next_continuation_token;
    p.start_after.clear();
  } while (!p.continuation_token.empty());
  std::cout << "pages " << pages << "\ncount " << count << "\n";
  return 0;
}

int Mpu(cfm::S3Client& s3, const std::vector<std::string>& a) {
  if (a.size() < 4) return Usage();
  std::string body;
  if (!ReadFile(a[2], &body)) return Usage();
  size_t part_size = std::strtoull(a[3].c_str(), nullptr, 10);
  if (part_size == 0) return Usage();
  cfm::PutObjectParams p;
  p.key = a[1];
  if (a.size() > 4) p.content_type = a[4];
  auto id = s3.CreateMultipartUpload(p);
  if (!id.ok()) return Fail(id);
  std::vector<cfm::CompletedPart> parts;
  for (size_t off = 0; off < body.size() || parts.empty(); off += part_size) {
    std::string_view chunk = std::string_view(body).substr(off, part_size);
    int n = static_cast<int>(parts.size()) + 1;
    auto etag =
        s3.UploadPart(p.key, *id, n, chunk, cfm::Base64Encode(cfm::Md5(chunk)));
    if (!etag.ok()) {
      (void)s3.AbortMultipartUpload(p.key, *id);
      return Fail(etag);
    }
    parts.push_back({n, *etag});
  }
  auto done = s3.CompleteMultipartUpload(p.key, *id, parts);
  if (!done.ok()) return Fail(done);
  std::cout << "etag " << *done << "\nparts " << parts.size() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return Usage();
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);  // BUCKET ...
  cfm::HttpGlobalInit();
  const char* region = Env("AWS_REGION");
  auto endpoint = cfm::S3EndpointFromEnv(region ? region : "us-west-2", Env);
  if (!endpoint.ok()) {
    std::cerr << "error: " << endpoint.status().ToString() << "\n";
    return 2;
  }
  cfm::S3Client s3 = MakeClient(*endpoint, args[0]);
  if (command == "put" && args.size() >= 3) return Put(s3, args);
  if (command == "head") return Head(s3, args);
  if (command == "get") return Get(s3, args);
  if (command == "list") return List(s3, args);
  if (command == "mpu") return Mpu(s3, args);
  return Usage();
}
