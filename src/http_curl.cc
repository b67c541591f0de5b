// The blocking HttpClient on one libcurl easy handle (control-plane
// requests: S3 operations, credentials, the image API).
#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "http.h"
#include "http_curl_common.h"
#include "http_transport.h"

namespace cfm {
namespace {

using curl_common::HeaderLine;

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct HeaderTarget {
  HttpResponse* response;
  bool expect_body;  // false for HEAD
};

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* target = static_cast<HeaderTarget*>(user);
  HttpResponse* response = target->response;
  HeaderLine kind =
      curl_common::ParseHeaderLine(std::string_view(data, size * n), response);
  // Knowing the length up front saves the doubling reallocations of a large
  // body (a multipart part is 8 MB).
  if (kind == HeaderLine::kField && target->expect_body &&
      response->body.empty() &&
      response->headers.back().first == "content-length")
    response->body.reserve(std::min<size_t>(
        std::strtoull(response->headers.back().second.c_str(), nullptr, 10),
        size_t{1} << 30));
  return size * n;
}

int Cancelled(void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(flag)->load() ? 1 : 0;
}

std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?", start);
  return url.substr(start, end == std::string::npos ? end : end - start);
}

TransferRequest ToTransfer(const HttpRequest& request,
                           const std::string& default_ca) {
  TransferRequest t;
  t.method = request.method;
  t.url = request.url;
  t.body = request.body;
  t.timeout_ms = request.timeout_ms;
  t.connect_timeout_ms = request.connect_timeout_ms;
  t.max_redirects = request.max_redirects;
  t.ca_file = request.ca_file.empty() ? default_ca : request.ca_file;
  return t;
}

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(TlsTrust trust)
      : curl_(curl_easy_init()), trust_(std::move(trust)) {}
  ~CurlHttpClient() override { curl_easy_cleanup(curl_); }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    curl_easy_reset(curl_);
    HttpResponse response;
    char error[CURL_ERROR_SIZE] = {0};
    TransferRequest t = ToTransfer(request, trust_.s3_ca_file);
    curl_common::ApplyRequest(curl_, t, error);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, WriteHeader);
    HeaderTarget header_target{&response, request.method != "HEAD"};
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &header_target);
    curl_slist* headers = curl_common::BuildHeaderList(request.headers);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    if (request.cancel) {
      // curl calls this at least once a second, also while nothing moves.
      curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, Cancelled);
      curl_easy_setopt(curl_, CURLOPT_XFERINFODATA,
                       const_cast<std::atomic<bool>*>(request.cancel));
    }
    CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK)
      return TransportStatus(curl_common::FromCurlCode(rc, error),
                             request.method + " " + HostOf(request.url));
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
    long redirects = 0;
    curl_easy_getinfo(curl_, CURLINFO_REDIRECT_COUNT, &redirects);
    const char* final_url = nullptr;
    if (redirects > 0 &&
        curl_easy_getinfo(curl_, CURLINFO_EFFECTIVE_URL, &final_url) ==
            CURLE_OK &&
        final_url)
      response.final_url = final_url;
    return response;
  }

 private:
  CURL* curl_;
  const TlsTrust trust_;
};

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return "";
}

std::unique_ptr<HttpClient> NewCurlHttpClient() {
  return std::make_unique<CurlHttpClient>(TlsTrustFromEnv(std::getenv));
}

void HttpGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace cfm
