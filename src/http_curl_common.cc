#include "http_curl_common.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace cfm {
namespace curl_common {
namespace {

long StatusFromLine(std::string_view line) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  return std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
}

std::string_view TrimValue(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() &&
         (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  return value;
}

}  // namespace

HeaderLine ParseHeaderLine(std::string_view line, HttpResponse* r) {
  if (line.rfind("HTTP/", 0) == 0) {
    r->headers.clear();
    r->status = StatusFromLine(line);
    return HeaderLine::kStatus;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    r->headers.emplace_back(std::move(name),
                            std::string(TrimValue(line.substr(colon + 1))));
    return HeaderLine::kField;
  }
  if (line == "\r\n" || line == "\n") return HeaderLine::kEnd;
  return HeaderLine::kOther;
}

curl_slist* BuildHeaderList(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  curl_slist* list = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    std::string line = name;
    if (value.empty()) {
      line += ';';
    } else {
      line += ": ";
      line += value;
    }
    list = curl_slist_append(list, line.c_str());
    if (strcasecmp(name.c_str(), "content-type") == 0) has_content_type = true;
  }
  if (!has_content_type) list = curl_slist_append(list, "Content-Type:");
  return curl_slist_append(list, "Expect:");
}

TransportResult FromCurlCode(CURLcode rc, const char* error_buffer) {
  TransportResult out;
  if (rc == CURLE_OK) return out;
  out.detail =
      error_buffer && *error_buffer ? error_buffer : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      out.error = TransportError::kTimeout;
      break;
    case CURLE_PARTIAL_FILE:
      out.error = TransportError::kTruncated;
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      out.error = TransportError::kTlsUntrusted;
      break;
    case CURLE_URL_MALFORMAT:
      out.error = TransportError::kMalformedUrl;
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      out.error = TransportError::kTooManyRedirects;
      break;
    case CURLE_WRITE_ERROR:
      out.error = TransportError::kStoppedBySink;
      break;
    case CURLE_ABORTED_BY_CALLBACK:
      out.error = TransportError::kCancelled;
      break;
    default:
      out.error = TransportError::kConnection;
  }
  return out;
}

void ApplyRequest(CURL* easy, const TransferRequest& request,
                  char* error_buffer) {
  error_buffer[0] = '\0';
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());  // curl copies
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   std::min(request.timeout_ms, request.connect_timeout_ms));
  if (!request.ca_file.empty()) {
    // The file is the whole trust store, as AWS_CA_BUNDLE is for the AWS
    // CLI. Without curl's default CA directory as well, curl 7.88 parses
    // the file once per multi handle instead of once per connection (its
    // CA cache skips any store that includes a directory).
    curl_easy_setopt(easy, CURLOPT_CAINFO, request.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
  }
  if (request.max_redirects > 0) {
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, request.max_redirects);
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (request.source) {
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.upload_size));
    if (request.method != "PUT")
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET" || !request.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
}

}  // namespace curl_common

Status TransportStatus(const TransportResult& result, std::string_view what) {
  std::string msg = std::string(what) + ": " + result.detail;
  switch (result.error) {
    case TransportError::kNone:
      return Status::OK();
    case TransportError::kTimeout:
      return Status::Timeout(msg);
    case TransportError::kMalformedUrl:
      return Status::InvalidArgument(msg);
    case TransportError::kTooManyRedirects:
      return Status::Http(msg);
    case TransportError::kCancelled:
      return Status::Aborted(msg);
    default:
      return Status::Network(msg);
  }
}

TlsTrust TlsTrustFromEnv(const std::function<const char*(const char*)>& get) {
  TlsTrust trust;
  if (const char* ca = get("AWS_CA_BUNDLE"); ca && *ca) trust.s3_ca_file = ca;
  if (const char* ca = get("CURL_CA_BUNDLE"); ca && *ca)
    trust.source_ca_file = ca;
  return trust;
}

}  // namespace cfm
