// What the two libcurl clients share (the blocking HttpClient in
// http_curl.cc and the multi-transfer Transport in http_multi.cc): applying
// a request to an easy handle, building its header list, parsing response
// header lines, and CURLcode -> TransportError. Internal to http_* files:
// the only header besides them that includes curl.
#ifndef CFMIGRATE_HTTP_CURL_COMMON_H_
#define CFMIGRATE_HTTP_CURL_COMMON_H_

#include <curl/curl.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http.h"
#include "http_transport.h"

namespace cfm {
namespace curl_common {

// What a header callback line was.
enum class HeaderLine {
  kStatus,  // "HTTP/x nnn ...": a new response; `r` status set, headers
            // cleared (a 100-continue or a redirect hop came before)
  kField,   // "Name: value": appended to `r` (name lower-cased)
  kEnd,     // the blank line that ends one response's headers
  kOther,   // anything else (ignored)
};
HeaderLine ParseHeaderLine(std::string_view line, HttpResponse* r);

// The request's headers as a curl list (to free with curl_slist_free_all).
// An empty value is sent as "name;" (curl's way to send a header with no
// value); a Content-Type curl would add on its own and Expect: 100-continue
// are suppressed, since neither would be signed.
curl_slist* BuildHeaderList(
    const std::vector<std::pair<std::string, std::string>>& headers);

// CURLE_OK -> kNone; `error_buffer` (CURLOPT_ERRORBUFFER) or curl's own
// words for the code become the detail.
TransportResult FromCurlCode(CURLcode rc, const char* error_buffer);

// Sets on `easy` what every request needs: URL, method and body (or the
// upload of `request.upload_size` bytes through a read callback the caller
// sets), timeouts, CA file, redirects, no signals, path as given, and the
// error buffer (CURL_ERROR_SIZE bytes). `request` (and its body) must
// outlive the transfer.
void ApplyRequest(CURL* easy, const TransferRequest& request,
                  char* error_buffer);

}  // namespace curl_common
}  // namespace cfm

#endif  // CFMIGRATE_HTTP_CURL_COMMON_H_
