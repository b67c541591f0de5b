// A small blocking HTTP client interface, and its libcurl implementation.
// Used for control-plane requests (S3 operations, credentials, the image
// API). Bulk transfers use the multi-interface engine instead.
#ifndef CFMIGRATE_HTTP_H_
#define CFMIGRATE_HTTP_H_

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "status.h"

namespace cfm {

struct HttpRequest {
  std::string method = "GET";  // GET, PUT, POST, HEAD, DELETE
  std::string url;             // sent as given: encode paths before
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  long timeout_ms = 30000;          // whole request
  long connect_timeout_ms = 10000;  // TCP + TLS connect
  // CA bundle to verify the server with; "" uses AWS_CA_BUNDLE when set,
  // else the system's.
  std::string ca_file;
  // When set, the request is abandoned (kAborted) within about a second of
  // it turning true: a second Ctrl-C must not wait for a timeout.
  const std::atomic<bool>* cancel = nullptr;
  // Redirects (301/302/303/307/308, http and https only) to follow, with
  // the same method and headers (a Range, say); 0 returns the 3xx itself.
  // More than this many fail the request (kHttp, "too many redirects").
  long max_redirects = 0;
};

struct HttpResponse {
  long status = 0;
  // Names lower-cased, in the order received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The URL that answered, when redirects were followed; else "".
  std::string final_url;

  // Value of the first header named `name` (lower-case), or "".
  std::string Header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends `request` and waits for the whole response. Any HTTP status is a
  // success here; a transport failure (connect refused, reset, timeout,
  // truncated body) returns a kNetwork or kTimeout Status naming the URL's
  // host and what happened, a URL that cannot be requested kInvalidArgument
  // and a redirect loop kHttp. One instance is not safe to use from two
  // threads at once.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

// A libcurl easy-handle client that keeps connections alive between calls.
// Honours AWS_CA_BUNDLE for TLS verification.
std::unique_ptr<HttpClient> NewCurlHttpClient();

// Calls curl_global_init once; call from main before starting threads.
void HttpGlobalInit();

}  // namespace cfm

#endif  // CFMIGRATE_HTTP_H_
