#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>

#include "http.h"

namespace cfm {
namespace {

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
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    response->headers.clear();  // a new response (after 100-continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() &&
         (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  // Knowing the length up front saves the doubling reallocations of a large
  // body (a multipart part is 8 MB).
  if (name == "content-length" && target->expect_body && response->body.empty())
    response->body.reserve(
        std::min<size_t>(std::strtoull(std::string(value).c_str(), nullptr, 10),
                         size_t{1} << 30));
  response->headers.emplace_back(std::move(name), std::string(value));
  return size * n;
}

class CurlHttpClient : public HttpClient {
 public:
  CurlHttpClient() : curl_(curl_easy_init()) {}
  ~CurlHttpClient() override { curl_easy_cleanup(curl_); }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    curl_easy_reset(curl_);
    HttpResponse response;
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, request.timeout_ms);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                     request.connect_timeout_ms);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, WriteHeader);
    HeaderTarget header_target{&response, request.method != "HEAD"};
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &header_target);
    const char* ca = std::getenv("AWS_CA_BUNDLE");
    if (!request.ca_file.empty()) ca = request.ca_file.c_str();
    if (ca && *ca) curl_easy_setopt(curl_, CURLOPT_CAINFO, ca);
    if (request.max_redirects > 0) {
      curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt(curl_, CURLOPT_MAXREDIRS, request.max_redirects);
      curl_easy_setopt(curl_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }

    if (request.method == "HEAD") {
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET" || !request.body.empty()) {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    curl_slist* headers = nullptr;
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
      std::string line = name + ": " + value;
      if (value.empty()) line = name + ";";  // send a header with no value
      headers = curl_slist_append(headers, line.c_str());
      if (strcasecmp(name.c_str(), "content-type") == 0)
        has_content_type = true;
    }
    // curl would add an unsigned form Content-Type to a body; suppress it,
    // and the 100-continue round trip with it.
    if (!has_content_type)
      headers = curl_slist_append(headers, "Content-Type:");
    headers = curl_slist_append(headers, "Expect:");
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
    if (rc != CURLE_OK) {
      std::string what = error[0] ? error : curl_easy_strerror(rc);
      std::string msg =
          request.method + " " + HostOf(request.url) + ": " + what;
      if (rc == CURLE_OPERATION_TIMEDOUT) return Status::Timeout(msg);
      if (rc == CURLE_URL_MALFORMAT) return Status::InvalidArgument(msg);
      if (rc == CURLE_TOO_MANY_REDIRECTS) return Status::Http(msg);
      if (rc == CURLE_ABORTED_BY_CALLBACK) return Status::Aborted(msg);
      return Status::Network(msg);
    }
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
  static int Cancelled(void* flag, curl_off_t, curl_off_t, curl_off_t,
                       curl_off_t) {
    return static_cast<const std::atomic<bool>*>(flag)->load() ? 1 : 0;
  }

  static std::string HostOf(const std::string& url) {
    size_t start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    size_t end = url.find_first_of("/?", start);
    return url.substr(start, end == std::string::npos ? end : end - start);
  }

  CURL* curl_;
};

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return "";
}

std::unique_ptr<HttpClient> NewCurlHttpClient() {
  return std::make_unique<CurlHttpClient>();
}

void HttpGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace cfm
