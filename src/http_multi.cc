// The libcurl multi-interface Transport: one multi handle, a pool of easy
// handles reused between transfers (their connections stay warm), response
// headers parsed and bodies handed to sinks as they arrive. It waits with
// epoll on the sockets curl names and drives curl with
// curl_multi_socket_action, so a wake-up costs the sockets that are ready,
// not every transfer in flight.
//
// Bodies over https are read with OpenSSL's read-ahead: one recv takes up
// to 32 KB (two TLS records) instead of a 5-byte record header and
// then the record, which halves the recv calls or better. curl 7.88 asks
// only SSL_pending (the current record's unread bytes) and the socket
// whether there is more to read, so records already in OpenSSL's buffer
// would wait for a socket event that may never come; after each wake-up,
// ReadBuffered acts again on every connection that holds a whole record
// header it has not parsed, for as long as each act parses one.
//
// A streamed upload body is corked (TCP_CORK) from the first read that
// finds its socket known until its last byte is handed to curl, and
// uncorked after the act that wrote it. OpenSSL sends each TLS record it
// writes on its own, and on loopback, where a send is transmitted at once,
// the kernel never joins them: every 16 KB record became a segment of its
// own, costing the sender's TCP output, the receiver's TCP input and a
// wake-up of the receiver. Corked, the kernel sends full segments, and the
// uncork pushes the body's tail out rather than leaving it to the kernel's
// 200 ms ceiling on corked data.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_map>

#include "http_curl_common.h"
#include "http_transport.h"

namespace cfm {
namespace {

using curl_common::HeaderLine;

static_assert(CURL_MAX_WRITE_SIZE <= kMaxSinkChunk);

constexpr int kTlsReadAhead = 32 << 10;  // bytes OpenSSL asks recv for
constexpr int kRecordHeader = 5;         // TLS record header bytes
constexpr int kMaxReadRounds = 64;       // ReadBuffered rounds per Poll

// Where each read-ahead connection counts the bytes of the records whose
// headers OpenSSL has parsed (header and length): a counter in the SSL's
// ex_data, freed with the SSL.
void FreeCounter(void*, void* counter, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<uint64_t*>(counter);
}

int ParsedIndex() {
  static const int index =
      SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeCounter);
  return index;
}

uint64_t ParsedBytes(SSL* ssl) {
  auto* parsed = static_cast<uint64_t*>(SSL_get_ex_data(ssl, ParsedIndex()));
  return parsed ? *parsed : 0;
}

// OpenSSL's message callback: called for each record header it reads.
void OnTlsMessage(int write_p, int, int content_type, const void* buf,
                  size_t len, SSL* ssl, void*) {
  if (write_p || content_type != SSL3_RT_HEADER || len < kRecordHeader) return;
  auto* parsed = static_cast<uint64_t*>(SSL_get_ex_data(ssl, ParsedIndex()));
  if (!parsed) {
    parsed = new uint64_t(0);
    SSL_set_ex_data(ssl, ParsedIndex(), parsed);
  }
  const auto* h = static_cast<const unsigned char*>(buf);
  *parsed += kRecordHeader + (h[3] << 8 | h[4]);
}

// curl's hook on each new TLS connection's context, before its SSL exists.
CURLcode OnSslContext(CURL*, void* ssl_ctx, void*) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_default_read_buffer_len(ctx, kTlsReadAhead);
  SSL_CTX_set_msg_callback(ctx, OnTlsMessage);
  return CURLE_OK;
}

bool SetCork(curl_socket_t fd, int on) {
  return setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0;
}

// The read-ahead connection of `easy`, or null.
SSL* ReadAheadSsl(CURL* easy) {
  curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK ||
      !info || info->backend != CURLSSLBACKEND_OPENSSL || !info->internals)
    return nullptr;
  auto* ssl = static_cast<SSL*>(info->internals);
  return SSL_get_read_ahead(ssl) ? ssl : nullptr;
}

// Whether OpenSSL holds a record header it has not parsed yet.
bool HoldsUnparsedRecord(SSL* ssl) {
  return BIO_number_read(SSL_get_rbio(ssl)) >= ParsedBytes(ssl) + kRecordHeader;
}

class CurlTransport : public Transport {
 public:
  explicit CurlTransport(const TransportOptions& options)
      : multi_(curl_multi_init()) {
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, options.max_connections);
    curl_multi_setopt(multi_, CURLMOPT_MAX_CONCURRENT_STREAMS,
                      options.max_streams_per_connection);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) {
      spdlog::warn("epoll_create1: {}; polling every transfer instead",
                   strerror(errno));
      return;
    }
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, OnSocket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, OnTimer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  }

  ~CurlTransport() override {
    for (auto& [id, x] : live_) Drop(x.get());
    for (CURL* e : idle_) curl_easy_cleanup(e);
    curl_multi_cleanup(multi_);
    if (epoll_ >= 0) close(epoll_);
  }

  Id Start(TransferRequest request) override;
  void Resume(Id id) override;
  void Cancel(Id id) override;
  std::vector<Completion> Poll(int timeout_ms) override;

 private:
  struct Xfer {
    Id id = 0;
    CurlTransport* owner = nullptr;
    CURL* easy = nullptr;
    bool tls = false;         // https
    bool read_ahead = false;  // https on epoll: may leave records buffered
    bool touched = false;     // in owner->touched_
    curl_socket_t fd = CURL_SOCKET_BAD;      // the socket curl last watched
    curl_socket_t corked = CURL_SOCKET_BAD;  // set TCP_CORK on
    int64_t handed = 0;                      // body bytes given to curl
    curl_slist* headers = nullptr;
    char error[CURL_ERROR_SIZE] = {0};
    TransferRequest request;
    HttpResponse response;
  };

  static size_t OnHeader(char* data, size_t size, size_t n, void* user);
  static size_t OnBody(char* data, size_t size, size_t n, void* user);
  static size_t OnRead(char* out, size_t size, size_t n, void* user);
  // curl names the sockets to watch and when it next wants to act on its
  // own (timeouts, a resumed or new transfer: 0 ms).
  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* self,
                      void* socketp);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  static int64_t NowMs();
  // Lets curl act on the sockets epoll found ready and on its due timer.
  void Act(const epoll_event* events, int n);
  // `x` handed curl `bytes` more of its body: corks its socket while more
  // is to come, and queues the uncork once this was the last.
  void Cork(Xfer* x, long bytes);
  // A https transfer took bytes: its connection may hold more records.
  void Touch(Xfer* x);
  // Acts again on the connections among `fds` (and those of touched
  // transfers) that hold an unparsed record, while each act parses one.
  void ReadBuffered(std::vector<curl_socket_t> fds);
  // The transfers curl has finished since the last call.
  std::vector<Completion> Collect();

  CURL* Acquire();
  void Configure(Xfer* x);
  // A transfer curl finished: its handle goes back to the pool.
  void Finish(Xfer* x);
  // A transfer still in flight: its handle is freed, not reused (curl
  // closes the connection of an unfinished transfer).
  void Drop(Xfer* x);

  CURLM* multi_;
  int epoll_ = -1;
  int64_t timer_due_ms_ = -1;  // when curl wants to act (-1: not asked)
  std::vector<CURL*> idle_;
  std::unordered_map<Id, std::unique_ptr<Xfer>> live_;
  std::unordered_map<curl_socket_t, CURL*> watched_;  // socket -> a transfer
  std::vector<Id> touched_;                // since the last ReadBuffered
  std::vector<curl_socket_t> uncork_;      // after the act under way
  std::vector<curl_socket_t> read_again_;  // left by the last round cap
  Id next_id_ = 1;
};

size_t CurlTransport::OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Xfer*>(user);
  x->owner->Touch(x);
  HeaderLine kind = curl_common::ParseHeaderLine(
      std::string_view(data, size * n), &x->response);
  if (kind == HeaderLine::kEnd && x->request.sink && x->response.status >= 200)
    x->request.sink->OnHeaders(x->response);
  return size * n;
}

size_t CurlTransport::OnBody(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Xfer*>(user);
  x->owner->Touch(x);
  size_t bytes = size * n;
  if (!x->request.sink) {
    if (x->response.body.size() < x->request.max_body)
      x->response.body.append(data, bytes);
    return bytes;
  }
  switch (x->request.sink->OnBody(std::string_view(data, bytes))) {
    case BodySink::Answer::kTaken:
      return bytes;
    case BodySink::Answer::kPause:
      return CURL_WRITEFUNC_PAUSE;  // curl offers the same bytes again
    case BodySink::Answer::kStop:
      break;
  }
  return 0;
}

size_t CurlTransport::OnRead(char* out, size_t size, size_t n, void* user) {
  auto* x = static_cast<Xfer*>(user);
  long k = x->request.source->Read(out, size * n);
  if (k == BodySource::kPause) return CURL_READFUNC_PAUSE;
  x->owner->Cork(x, k);
  return static_cast<size_t>(k);
}

CURL* CurlTransport::Acquire() {
  if (idle_.empty()) return curl_easy_init();
  CURL* e = idle_.back();
  idle_.pop_back();
  curl_easy_reset(e);
  return e;
}

void CurlTransport::Configure(Xfer* x) {
  CURL* e = x->easy;
  const TransferRequest& r = x->request;
  curl_common::ApplyRequest(e, r, x->error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  if (r.source) {
    curl_easy_setopt(e, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(e, CURLOPT_READDATA, x);
  }
  // TLS hands curl at most one 16 KB record per read, so a bigger receive
  // buffer only costs memory there; plain http fills 64 KB per recv.
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, x->tls ? 16L << 10 : 64L << 10);
  // Bodies (not S3's short answers, whose connections keep OpenSSL's
  // smaller buffer) are read ahead, if this transfer opens the connection.
  if (x->read_ahead && r.sink)
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, OnSslContext);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  if (r.offer_http2) {
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  }
  x->headers = curl_common::BuildHeaderList(r.headers);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
}

Transport::Id CurlTransport::Start(TransferRequest request) {
  auto owned = std::make_unique<Xfer>();
  Xfer* x = owned.get();
  x->id = next_id_++;
  x->owner = this;
  x->request = std::move(request);
  x->tls = x->request.url.rfind("https:", 0) == 0;
  x->read_ahead = x->tls && epoll_ >= 0;
  x->easy = Acquire();
  Configure(x);
  live_.emplace(x->id, std::move(owned));
  curl_multi_add_handle(multi_, x->easy);
  return x->id;
}

void CurlTransport::Resume(Id id) {
  auto it = live_.find(id);
  if (it != live_.end()) curl_easy_pause(it->second->easy, CURLPAUSE_CONT);
}

void CurlTransport::Cancel(Id id) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  Drop(it->second.get());
  live_.erase(it);
}

void CurlTransport::Finish(Xfer* x) {
  curl_multi_remove_handle(multi_, x->easy);
  curl_slist_free_all(x->headers);
  idle_.push_back(x->easy);
}

void CurlTransport::Drop(Xfer* x) {
  curl_multi_remove_handle(multi_, x->easy);
  curl_easy_cleanup(x->easy);
  curl_slist_free_all(x->headers);
}

int CurlTransport::OnSocket(CURL* easy, curl_socket_t fd, int what, void* self,
                            void* socketp) {
  auto* t = static_cast<CurlTransport*>(self);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(t->epoll_, EPOLL_CTL_DEL, fd, nullptr);  // may be closed: fine
    t->watched_.erase(fd);
    return 0;
  }
  t->watched_[fd] = easy;
  Xfer* x = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&x));
  if (x) x->fd = fd;
  epoll_event ev{};
  ev.data.fd = fd;
  if (what & CURL_POLL_IN) ev.events |= EPOLLIN;
  if (what & CURL_POLL_OUT) ev.events |= EPOLLOUT;
  // curl keeps `socketp` until it removes the socket: set means watched.
  int op = socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(t->epoll_, op, fd, &ev) != 0 &&
      epoll_ctl(t->epoll_, op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
                fd, &ev) != 0)
    spdlog::error("epoll_ctl {}: {}", fd, strerror(errno));
  if (!socketp) curl_multi_assign(t->multi_, fd, t);
  return 0;
}

int CurlTransport::OnTimer(CURLM*, long timeout_ms, void* self) {
  auto* t = static_cast<CurlTransport*>(self);
  t->timer_due_ms_ = timeout_ms < 0 ? -1 : NowMs() + timeout_ms;
  return 0;
}

int64_t CurlTransport::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void CurlTransport::Act(const epoll_event* events, int n) {
  int running = 0;
  std::vector<curl_socket_t> read = std::move(read_again_);
  read_again_.clear();
  for (int i = 0; i < n; ++i) {
    int flags = 0;
    if (events[i].events & EPOLLIN) {
      flags |= CURL_CSELECT_IN;
      read.push_back(events[i].data.fd);
    }
    if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
    if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(multi_, events[i].data.fd, flags, &running);
  }
  if (timer_due_ms_ >= 0 && NowMs() >= timer_due_ms_) {
    timer_due_ms_ = -1;  // curl may ask again while it acts
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  ReadBuffered(std::move(read));
  for (curl_socket_t fd : uncork_) SetCork(fd, 0);
  uncork_.clear();
}

// x->fd is known once curl has watched the socket for this transfer (not
// on the poll fallback, where nothing is corked). A transfer that ends
// before its last byte is handed over has its connection closed by curl,
// which takes the cork with it.
void CurlTransport::Cork(Xfer* x, long bytes) {
  x->handed += bytes;
  bool more = x->handed < x->request.upload_size;
  if (x->corked == CURL_SOCKET_BAD) {
    if (more && x->fd != CURL_SOCKET_BAD && SetCork(x->fd, 1))
      x->corked = x->fd;
  } else if (!more) {
    uncork_.push_back(x->corked);  // curl writes these bytes first
  }
}

void CurlTransport::Touch(Xfer* x) {
  if (!x->read_ahead || x->touched) return;
  x->touched = true;
  touched_.push_back(x->id);
}

void CurlTransport::ReadBuffered(std::vector<curl_socket_t> fds) {
  // (socket, bytes parsed when it was last acted on) of the last round
  std::vector<std::pair<curl_socket_t, uint64_t>> acted, last;
  for (int round = 0; round < kMaxReadRounds; ++round) {
    for (Id id : touched_) {
      auto it = live_.find(id);
      if (it == live_.end()) continue;
      it->second->touched = false;
      if (it->second->fd != CURL_SOCKET_BAD) fds.push_back(it->second->fd);
    }
    touched_.clear();
    std::sort(fds.begin(), fds.end());
    fds.erase(std::unique(fds.begin(), fds.end()), fds.end());
    acted.clear();
    for (curl_socket_t fd : fds) {
      auto w = watched_.find(fd);
      SSL* ssl = w == watched_.end() ? nullptr : ReadAheadSsl(w->second);
      if (!ssl || !HoldsUnparsedRecord(ssl)) continue;
      uint64_t parsed = ParsedBytes(ssl);
      auto before = std::find_if(last.begin(), last.end(),
                                 [fd](const auto& p) { return p.first == fd; });
      if (before != last.end() && before->second == parsed) continue;
      int running = 0;
      curl_multi_socket_action(multi_, fd, CURL_CSELECT_IN, &running);
      acted.emplace_back(fd, parsed);
    }
    if (acted.empty()) return;  // and nothing was touched
    fds.clear();
    for (const auto& [fd, parsed] : acted) fds.push_back(fd);
    last.swap(acted);
  }
  read_again_ = std::move(fds);  // the next Poll does not wait for them
}

std::vector<Transport::Completion> CurlTransport::Poll(int timeout_ms) {
  // Measured against curl_multi_poll + curl_multi_perform, which with curl
  // 7.88 polls every transfer's socket again on each wake-up
  // (bench/RESULTS.md).
  if (epoll_ < 0) {
    curl_multi_poll(multi_, nullptr, 0, timeout_ms, nullptr);
    int running = 0;
    curl_multi_perform(multi_, &running);
    return Collect();
  }
  int wait = read_again_.empty() && touched_.empty() ? timeout_ms : 0;
  if (timer_due_ms_ >= 0)
    wait =
        static_cast<int>(std::clamp<int64_t>(timer_due_ms_ - NowMs(), 0, wait));
  epoll_event events[256];
  int n = epoll_wait(epoll_, events, 256, wait);
  Act(events, std::max(n, 0));  // n < 0: a signal (EINTR)
  return Collect();
}

std::vector<Transport::Completion> CurlTransport::Collect() {
  std::vector<Completion> done;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Xfer* x = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
                      reinterpret_cast<char**>(&x));
    long redirects = 0;
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &redirects);
    if (redirects > 0) {
      const char* final_url = nullptr;
      curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &final_url);
      spdlog::debug("{} redirected {} times to {}", x->request.url, redirects,
                    final_url ? final_url : "?");
      if (final_url) x->response.final_url = final_url;
    }
    // The result is copied out before the handle is reused.
    done.push_back({x->id,
                    curl_common::FromCurlCode(msg->data.result, x->error),
                    std::move(x->response)});
    Finish(x);
    live_.erase(x->id);
  }
  return done;
}

}  // namespace

std::unique_ptr<Transport> NewCurlTransport(const TransportOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace cfm
