// The transport seam of the copy engine: many HTTP transfers in flight at
// once behind one small interface. A transfer is started with a request, an
// optional body source (a streamed upload) and an optional body sink (a
// streamed download); either side may pause and be resumed; a transfer may
// be cancelled; Poll() drives them all and hands back the finished ones.
//
// One libcurl implementation (http_multi.cc) owns the multi handle, the
// handle pool and everything curl-specific; tests use a scripted fake
// (fake_transport.h). Only http_* files include curl.
#ifndef CFMIGRATE_HTTP_TRANSPORT_H_
#define CFMIGRATE_HTTP_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http.h"
#include "status.h"

namespace cfm {

// Why a transfer got no whole answer. CURLcode is mapped to it once
// (http_curl_common.cc); everything above the transport sees only this.
enum class TransportError {
  kNone,
  kTimeout,           // the request's timeout (or connect timeout) expired
  kTruncated,         // the body ended before its announced length
  kConnection,        // refused, reset, DNS, protocol or send/receive error
  kTlsUntrusted,      // the peer's certificate is not trusted, or the CA
                      // file cannot be read: every request fails the same way
  kMalformedUrl,      // the URL cannot be requested at all
  kTooManyRedirects,  // more redirects than the request allows
  kStoppedBySink,     // the body sink answered kStop
  kCancelled,         // a cancel flag (blocking client) turned true
};

// What the transport says about one finished request.
struct TransportResult {
  TransportError error = TransportError::kNone;
  std::string detail;  // the library's own words, when error != kNone
  bool ok() const { return error == TransportError::kNone; }
};

// The Status a blocking caller sees: kTimeout, kInvalidArgument (malformed
// URL), kHttp (redirect loop), kAborted (cancelled) or kNetwork, with the
// message "<what>: <detail>".
Status TransportStatus(const TransportResult& result, std::string_view what);

// CA bundles to trust, read once from the settings (AWS_CA_BUNDLE for S3,
// CURL_CA_BUNDLE for the source; env files are exported to the environment
// by the settings loader). "" means the system's store.
struct TlsTrust {
  std::string s3_ca_file;
  std::string source_ca_file;
};
TlsTrust TlsTrustFromEnv(const std::function<const char*(const char*)>& get);

// The most bytes a transport hands a BodySink::OnBody at once.
constexpr size_t kMaxSinkChunk = 16 << 10;

// Receives a response as it arrives, on the thread that calls Poll() (or
// Resume()). Must not call Start/Resume/Cancel of its transport.
class BodySink {
 public:
  enum class Answer {
    kTaken,  // every byte offered was consumed
    kPause,  // none was consumed: offered again after Resume()
    kStop,   // end the transfer now (kStoppedBySink)
  };
  virtual ~BodySink() = default;
  // The status line and headers of one response are in (`head.body` is
  // empty). With redirects followed, each hop's response comes here.
  virtual void OnHeaders(const HttpResponse& head) = 0;
  virtual Answer OnBody(std::string_view data) = 0;
};

// Supplies a streamed request body; same threading rule as BodySink.
class BodySource {
 public:
  static constexpr long kPause = -1;
  virtual ~BodySource() = default;
  // Copies up to `n` bytes into `out`; returns how many (never 0 before the
  // announced size is reached), or kPause: asked again after Resume().
  virtual long Read(char* out, size_t n) = 0;
};

struct TransferRequest {
  std::string method = "GET";
  std::string url;  // sent as given (NormalizeUrl it first)
  std::vector<std::pair<std::string, std::string>> headers;
  // A body sent as is when `source` is null; not copied: the caller keeps
  // it alive and unchanged until the transfer finishes or is cancelled.
  std::string_view body;
  BodySource* source = nullptr;  // streamed body of `upload_size` bytes
  int64_t upload_size = -1;
  // Receives the body; when null the transport keeps up to `max_body`
  // bytes of it in the completion's response.
  BodySink* sink = nullptr;
  size_t max_body = 64 << 10;
  long timeout_ms = 30000;
  long connect_timeout_ms = 10000;
  long max_redirects = 0;  // http/https redirects to follow
  bool offer_http2 = false;
  std::string ca_file;  // "" is the system's store
};

class Transport {
 public:
  using Id = uint64_t;
  struct Completion {
    Id id = 0;
    TransportResult result;
    HttpResponse response;  // status and headers (and body, see max_body)
  };

  virtual ~Transport() = default;
  // Starts a transfer; never fails here: problems arrive as its completion.
  // `request`'s sink, source and body must outlive the transfer.
  virtual Id Start(TransferRequest request) = 0;
  // Un-pauses a transfer whose sink or source answered pause. May call
  // that sink or source before it returns. Unknown ids are ignored.
  virtual void Resume(Id id) = 0;
  // Drops a transfer in flight; it reports no completion. Unknown or
  // finished ids are ignored.
  virtual void Cancel(Id id) = 0;
  // Waits up to `timeout_ms` for activity, moves every transfer along
  // (calling sinks and sources) and returns those that finished. A
  // completion's id is never reported twice.
  virtual std::vector<Completion> Poll(int timeout_ms) = 0;
};

struct TransportOptions {
  // Connections kept open for reuse (a streamed object holds two).
  long max_connections = 64;
  // HTTP/2 streams per connection: spreading them over several connections
  // keeps one TCP flow from capping throughput.
  long max_streams_per_connection = 16;
};

// The libcurl multi-interface transport (http_multi.cc). One thread only.
std::unique_ptr<Transport> NewCurlTransport(const TransportOptions& options);

}  // namespace cfm

#endif  // CFMIGRATE_HTTP_TRANSPORT_H_
