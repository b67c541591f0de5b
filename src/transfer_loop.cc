#include "transfer_loop.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <random>
#include <unordered_map>
#include <vector>

#include "crypto.h"
#include "large_object.h"
#include "result_sink.h"
#include "retry_policy.h"
#include "s3_error.h"
#include "source_answer.h"
#include "transfer_legs.h"
#include "url_escape.h"
#include "work_feed.h"

namespace cfm {
using transfer::BufferPool;
using transfer::Leg;
using transfer::OnBody;
using transfer::OnHeader;
using transfer::OnRead;
using transfer::Pipe;
using transfer::Stage;
using transfer::Transfer;
using transfer::TransportError;

struct TransferLoop::Impl {
  explicit Impl(MigrateContext* c) : ctx(c), rng(std::random_device{}()) {
    multi = curl_multi_init();
    // A streamed object holds a source and an S3 connection at once.
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
                      static_cast<long>(2 * ctx->limit->max() + 16));
    // Spread HTTP/2 transfers over several connections: one connection for
    // all of them is one TCP flow and one server worker, which caps
    // throughput well below what many connections reach.
    curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 16L);
    // Without a payload hash (https) the PUT can go before the body exists.
    may_stream = ctx->target.endpoint.scheme == "https";
  }

  ~Impl() {
    for (auto& [raw, t] : live) {
      Drop(&t->get);
      Drop(&t->put);
    }
    for (CURL* e : idle) curl_easy_cleanup(e);
    curl_multi_cleanup(multi);
  }

  void Run();
  void Fill(int64_t now);
  void StartAttempt(std::unique_ptr<Job> job);
  void StartGet(Transfer* t);
  bool StartPut(Transfer* t);
  void Launch(Leg* leg);
  void WakeAll();
  void OnDone(CURL* easy, CURLcode rc);
  void OnGetDone(Transfer* t);
  void OnPutDone(Transfer* t);
  void Retry(std::unique_ptr<Job> job, const std::string& error,
             long retry_after_ms);
  void Fail(std::unique_ptr<Job> job, const std::string& reason);
  void Malformed(std::unique_ptr<Job> job, const std::string& reason);
  void OnGetFailed(Transfer* t);
  void CheckDeadlines(int64_t now);
  void Release() { ctx->in_flight--; }
  void DropWaiting();
  CURL* Acquire();
  void Finish(Leg* leg);
  void Drop(Leg* leg);
  std::unique_ptr<Job> End(Transfer* t);
  void SetCommon(Leg* leg, long timeout_ms);

  MigrateContext* ctx;
  CURLM* multi;
  bool may_stream = false;
  std::vector<CURL*> idle;
  std::unordered_map<Transfer*, std::unique_ptr<Transfer>> live;
  std::vector<Transfer*> woken;
  std::multimap<int64_t, std::unique_ptr<Job>> waiting;
  BufferPool buffers;
  std::mt19937_64 rng;
};

CURL* TransferLoop::Impl::Acquire() {
  if (idle.empty()) return curl_easy_init();
  CURL* e = idle.back();
  idle.pop_back();
  curl_easy_reset(e);
  return e;
}

// A leg that curl reported done: its handle goes back to the idle list.
void TransferLoop::Impl::Finish(Leg* leg) {
  curl_multi_remove_handle(multi, leg->easy);
  curl_slist_free_all(leg->headers);
  leg->headers = nullptr;
  idle.push_back(leg->easy);
  leg->easy = nullptr;
  leg->done = true;
}

// A leg still in flight that is no longer wanted. Its handle is freed,
// not reused: curl closes the connection of an unfinished transfer.
void TransferLoop::Impl::Drop(Leg* leg) {
  if (!leg->easy) return;
  curl_multi_remove_handle(multi, leg->easy);
  curl_easy_cleanup(leg->easy);
  curl_slist_free_all(leg->headers);
  leg->headers = nullptr;
  leg->easy = nullptr;
}

// The attempt is over: drops whatever leg is still in flight and hands the
// job back to the caller.
std::unique_ptr<Job> TransferLoop::Impl::End(Transfer* t) {
  Drop(&t->get);
  Drop(&t->put);
  if (t->pipe) buffers.rings.push_back(t->pipe->Release());
  std::unique_ptr<Job> job = std::move(t->job);
  live.erase(t);
  return job;
}

void TransferLoop::Impl::SetCommon(Leg* leg, long timeout_ms) {
  CURL* e = leg->easy;
  leg->error[0] = '\0';
  curl_easy_setopt(e, CURLOPT_PRIVATE, leg);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, leg->error);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   std::min(timeout_ms, ctx->options.connect_timeout_ms));
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, leg);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, leg);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 64L << 10);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
}

void TransferLoop::Impl::StartAttempt(std::unique_ptr<Job> job) {
  job->attempts++;
  auto owned = std::make_unique<Transfer>();
  Transfer* t = owned.get();
  live.emplace(t, std::move(owned));
  t->job = std::move(job);
  t->get.owner = t->put.owner = t;
  t->get.stage = Stage::kGet;
  t->put.stage = Stage::kPut;
  t->threshold = ctx->options.multipart_threshold;
  t->buffers = &buffers;
  t->checksum = ctx->options.checksum;
  t->reject_types = &ctx->options.reject_types;
  t->may_stream = may_stream;
  t->woken = &woken;
  if (t->job->downloaded) {
    StartPut(t);
  } else {
    StartGet(t);
  }
}

void TransferLoop::Impl::StartGet(Transfer* t) {
  Job* job = t->job.get();
  job->body.clear();
  job->content_length = -1;
  job->crc32c = 0;
  job->crc_running = false;
  job->too_large = false;
  // The list keeps the URL as written; the request carries it legal.
  std::string url = NormalizeUrl(job->url);
  if (url.find('\0') != std::string::npos) {
    Malformed(End(t), "malformed url: NUL byte");
    return;
  }
  Leg* leg = &t->get;
  leg->easy = Acquire();
  SetCommon(leg, ctx->options.download_timeout_ms);
  curl_easy_setopt(leg->easy, CURLOPT_URL, url.c_str());  // curl copies it
  curl_easy_setopt(leg->easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(leg->easy, CURLOPT_MAXREDIRS, kMaxSourceRedirects);
  curl_easy_setopt(leg->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(leg->easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(leg->easy, CURLOPT_PIPEWAIT, 1L);
  if (!ctx->options.source_ca_file.empty())
    curl_easy_setopt(leg->easy, CURLOPT_CAINFO,
                     ctx->options.source_ca_file.c_str());
  leg->headers = curl_slist_append(nullptr, "Accept-Encoding: identity");
  curl_easy_setopt(leg->easy, CURLOPT_HTTPHEADER, leg->headers);
  Launch(leg);
}

// Returns false when the attempt ended instead (and `t` is gone).
bool TransferLoop::Impl::StartPut(Transfer* t) {
  Job* job = t->job.get();
  std::string_view body = t->streaming ? std::string_view() : job->body;
  Result<Integrity> integrity =
      ComputeIntegrity(ctx->options.checksum, job->etag, body,
                       job->crc_running ? &job->crc32c : nullptr);
  if (!integrity.ok()) {
    job->downloaded = false;  // the bytes disagree with the source: refetch
    Retry(End(t), "source checksum mismatch", -1);
    return false;
  }
  Result<AwsCredentials> creds = ctx->credentials();
  if (!creds.ok()) {
    ctx->sink->StopRun(creds.status().ToString());
    End(t);
    Release();
    return false;
  }
  PutObjectParams params;
  params.key = job->key;
  params.content_type = job->content_type;
  params.acl = ctx->options.acl;
  params.content_md5 = integrity->content_md5;
  params.checksum_crc32c = integrity->checksum_crc32c;
  job->etag_record = integrity->record;
  HttpRequest req =
      BuildPutObject(ctx->target, params, body, *creds, std::time(nullptr));
  Leg* leg = &t->put;
  leg->easy = Acquire();
  // A streamed PUT lasts as long as the GET feeding it: curl's clock only
  // backs up CheckDeadlines, which gives S3 UPLOAD_TIMEOUT after the body.
  SetCommon(leg, t->streaming ? ctx->options.download_timeout_ms +
                                    ctx->options.upload_timeout_ms
                              : ctx->options.upload_timeout_ms);
  curl_easy_setopt(leg->easy, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(leg->easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  if (t->streaming) {
    curl_easy_setopt(leg->easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(leg->easy, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(leg->easy, CURLOPT_READDATA, t);
    curl_easy_setopt(leg->easy, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(job->content_length));
  } else {
    curl_easy_setopt(leg->easy, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(leg->easy, CURLOPT_POSTFIELDS, job->body.data());
    curl_easy_setopt(leg->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(job->body.size()));
  }
  if (const char* ca = std::getenv("AWS_CA_BUNDLE"); ca && *ca)
    curl_easy_setopt(leg->easy, CURLOPT_CAINFO, ca);
  bool has_type = false;
  for (const auto& [name, value] : req.headers) {
    leg->headers =
        curl_slist_append(leg->headers, (name + ": " + value).c_str());
    if (strcasecmp(name.c_str(), "content-type") == 0) has_type = true;
  }
  // Headers curl would add on its own are unsigned: suppress them.
  if (!has_type)
    leg->headers = curl_slist_append(leg->headers, "Content-Type:");
  leg->headers = curl_slist_append(leg->headers, "Expect:");
  curl_easy_setopt(leg->easy, CURLOPT_HTTPHEADER, leg->headers);
  Launch(leg);
  return true;
}

void TransferLoop::Impl::Launch(Leg* leg) {
  leg->done = false;
  leg->response = HttpResponse();
  curl_multi_add_handle(multi, leg->easy);
}

// Streamed transfers whose callbacks asked for the PUT to start (headers
// in) or to resume (bytes arrived while it waited).
void TransferLoop::Impl::WakeAll() {
  std::vector<Transfer*> list;
  list.swap(woken);
  for (Transfer* t : list) {
    t->wake = false;
    if (!t->put.easy && !t->put.done) {
      if (!StartPut(t)) continue;  // the attempt ended
    } else if (t->put.easy && t->put_paused && t->PutMayGo()) {
      t->put_paused = false;
      curl_easy_pause(t->put.easy, CURLPAUSE_CONT);
    }
    if (t->get.easy && t->get_paused && t->GetMayGo()) {
      t->get_paused = false;
      curl_easy_pause(t->get.easy, CURLPAUSE_CONT);  // may call OnBody
    }
  }
}

void TransferLoop::Impl::OnDone(CURL* easy, CURLcode rc) {
  Leg* leg = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&leg));
  long redirects = 0;
  curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
  if (redirects > 0) {
    const char* final_url = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &final_url);
    spdlog::debug("{} redirected {} times to {}", leg->owner->job->url,
                  redirects, final_url ? final_url : "?");
  }
  Finish(leg);
  leg->result = rc;
  if (leg->stage == Stage::kGet) {
    OnGetDone(leg->owner);
  } else {
    // A streamed PUT can end before its GET: with every byte passed on
    // (the GET's end is not needed), or failed (S3 never stores fewer
    // bytes than announced). OnPutDone drops the GET either way.
    OnPutDone(leg->owner);
  }
}

void TransferLoop::Impl::OnGetDone(Transfer* t) {
  Job* job = t->job.get();
  const HttpResponse& r = t->get.response;
  long status = r.status;
  if (!t->rejected.empty() && status == 200) {
    std::string reason = t->rejected;
    Fail(End(t), reason);  // the same source answers the same way again
    return;
  }
  if (job->too_large && status == 200) {
    std::unique_ptr<Job> large = End(t);
    large->body.clear();
    large->body.shrink_to_fit();
    large->attempts = 0;
    large->throttled_attempts = 0;
    ctx->large->Submit(std::move(large));
    Release();
    return;
  }
  if (t->get.result != CURLE_OK) {
    OnGetFailed(t);
    return;
  }
  if (status != 200) {
    std::string error = "source http " + std::to_string(status);
    if (ClassifySourceStatus(status) == Verdict::kFailObject) {
      Fail(End(t), error);
      return;
    }
    long retry_after =
        ParseRetryAfterMs(r.Header("retry-after"), std::time(nullptr));
    Retry(End(t), error, retry_after);
    return;
  }
  if (job->content_length >= 0 && t->received != job->content_length) {
    std::string error = "source truncated body (got " +
                        std::to_string(t->received) + " of " +
                        std::to_string(job->content_length) + " bytes)";
    Retry(End(t), error, -1);
    return;
  }
  job->content_length = t->received;
  if (t->streaming) {
    if (t->put.done) {
      OnPutDone(t);
    } else {
      // S3 has UPLOAD_TIMEOUT from the last byte on to take the rest and
      // answer, however long the source took (CheckDeadlines).
      t->put_deadline_ms = NowMs() + ctx->options.upload_timeout_ms;
    }
    return;
  }
  job->downloaded = true;
  job->content_type = r.Header("content-type");
  job->etag = r.Header("etag");
  StartPut(t);
}

// The GET ended without a whole answer. A URL curl cannot request and a
// redirect loop fail at once; a GET that timed out while paused waited for
// S3 to take bytes, so S3 is the side that stalled.
void TransferLoop::Impl::OnGetFailed(Transfer* t) {
  CURLcode rc = t->get.result;
  if (rc == CURLE_URL_MALFORMAT) {
    std::string reason =
        std::string("malformed url: ") +
        (*t->get.error ? t->get.error : curl_easy_strerror(rc));
    Malformed(End(t), reason);
  } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
    Fail(End(t), "source redirected more than " +
                     std::to_string(kMaxSourceRedirects) + " times");
  } else if (rc == CURLE_OPERATION_TIMEDOUT && t->get_paused) {
    Retry(End(t), "s3 timeout (not taking the body)", -1);
  } else {
    std::string error = TransportError("source", rc, t->get.error);
    Retry(End(t), error, -1);
  }
}

// A streamed PUT whose GET has ended and that S3 has not answered within
// UPLOAD_TIMEOUT of it is a stalled S3: dropped and retried.
void TransferLoop::Impl::CheckDeadlines(int64_t now) {
  std::vector<Transfer*> late;
  for (auto& [raw, t] : live)
    if (t->put_deadline_ms && t->put.easy && now >= t->put_deadline_ms)
      late.push_back(raw);
  for (Transfer* t : late) Retry(End(t), "s3 timeout", -1);
}

// The PUT is over (a streamed GET may still be in flight).
void TransferLoop::Impl::OnPutDone(Transfer* t) {
  Job* job = t->job.get();
  Leg* put = &t->put;
  if (put->result == CURLE_PEER_FAILED_VERIFICATION ||
      put->result == CURLE_SSL_CACERT_BADFILE) {
    // Every PUT would fail the same way: the run's set-up is wrong.
    ctx->sink->StopRun("the S3 endpoint's TLS certificate is not trusted (" +
                       std::string(*put->error ? put->error : "") +
                       "); AWS_CA_BUNDLE names the CA file to trust");
    End(t);
    Release();  // not recorded: the next run copies it
    return;
  }
  // S3 may answer an error before reading a streamed body and close: its
  // answer, when one came, says more than the failed send.
  if (put->result != CURLE_OK && put->response.status < 300) {
    Retry(End(t), TransportError("s3", put->result, put->error), -1);
    return;
  }
  long status = put->response.status;
  if (status >= 200 && status < 300) {
    ctx->limit->OnSuccess(NowMs());
    ctx->sink->Succeeded(job->url, job->key, job->content_length,
                         job->etag_record);
    buffers.Give(&job->body);
    End(t);
    Release();
    return;
  }
  std::string error;
  long retry_after_ms = -1;
  S3Error err = S3ErrorFromResponse(S3What("PUT", job->key), put->response);
  Verdict verdict = JudgeS3Error(ctx, err, job, &error, &retry_after_ms);
  // Content-MD5 was the source's own ETag: its bytes did not match it.
  if (err.code == "BadDigest" && ctx->options.checksum == ChecksumMode::kAuto &&
      !PlainMd5FromEtag(job->etag).empty())
    error = "source checksum mismatch (s3 BadDigest)";
  switch (verdict) {
    case Verdict::kRetry: {
      long header = ParseRetryAfterMs(put->response.Header("retry-after"),
                                      std::time(nullptr));
      Retry(End(t), error, retry_after_ms >= 0 ? retry_after_ms : header);
      return;
    }
    case Verdict::kFailObject:
      Fail(End(t), error);
      return;
    case Verdict::kStopRun:
      End(t);
      Release();  // not recorded: the next run copies it
      return;
  }
}

void TransferLoop::Impl::Retry(std::unique_ptr<Job> job,
                               const std::string& error, long retry_after_ms) {
  if (RetriesExhausted(job->attempts, job->throttled_attempts,
                       ctx->options.max_retries)) {
    // The reason is built before `job` is handed on: the order in which
    // arguments are initialised is unspecified.
    std::string reason = FailureReason(error, job->attempts);
    Fail(std::move(job), reason);
    return;
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  long delay = BackoffMs(job->attempts, unit(rng), retry_after_ms);
  spdlog::debug("retry {} in {} ms: {}", job->url, delay, error);
  ctx->retrying++;
  int64_t due = NowMs() + delay;
  waiting.emplace(due, std::move(job));
}

void TransferLoop::Impl::Fail(std::unique_ptr<Job> job,
                              const std::string& reason) {
  spdlog::warn("failed {}: {}", job->url, reason);
  ctx->sink->Failed(job->url, reason);
  buffers.Give(&job->body);
  Release();
}

void TransferLoop::Impl::Malformed(std::unique_ptr<Job> job,
                                   const std::string& reason) {
  spdlog::warn("failed {}: {}", job->url, reason);
  ctx->sink->Malformed(job->url, reason);  // never a sign of a broken run
  buffers.Give(&job->body);
  Release();
}

void TransferLoop::Impl::DropWaiting() {
  for (auto& entry : waiting) {
    (void)entry;
    ctx->retrying--;
    Release();
  }
  waiting.clear();
}

void TransferLoop::Impl::Fill(int64_t now) {
  while (!waiting.empty() && waiting.begin()->first <= now) {
    std::unique_ptr<Job> job = std::move(waiting.begin()->second);
    waiting.erase(waiting.begin());
    ctx->retrying--;
    StartAttempt(std::move(job));
  }
  while (ctx->in_flight.load() < ctx->limit->limit()) {
    std::unique_ptr<Job> job = ctx->feed->TryTake();
    if (!job) break;
    ctx->in_flight++;
    StartAttempt(std::move(job));
  }
}

void TransferLoop::Impl::Run() {
  while (true) {
    if (ctx->abort_now.load()) return;  // ~Impl drops what is in flight
    bool stopping = ctx->stop_starting.load() || ctx->sink->stop_requested();
    if (stopping) {
      DropWaiting();
    } else {
      Fill(NowMs());
    }
    if (live.empty() && waiting.empty() && (stopping || ctx->feed->Exhausted()))
      return;
    // curl_multi_socket_action with epoll was tried instead of poll +
    // perform: with curl 7.88 it cost as much CPU or more (every event on
    // an HTTP/2 connection runs all of its streams), so the simpler loop
    // stays (bench/RESULTS-migrate.md).
    int timeout = 100;
    if (!waiting.empty())
      timeout = static_cast<int>(
          std::clamp<int64_t>(waiting.begin()->first - NowMs(), 0, timeout));
    curl_multi_poll(multi, nullptr, 0, timeout, nullptr);
    int running = 0;
    curl_multi_perform(multi, &running);
    WakeAll();
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE) OnDone(msg->easy_handle, msg->data.result);
    }
    CheckDeadlines(NowMs());  // after the answers that did come
  }
}

TransferLoop::TransferLoop(MigrateContext* context)
    : impl_(std::make_unique<Impl>(context)) {}
TransferLoop::~TransferLoop() = default;
void TransferLoop::Run() { impl_->Run(); }

}  // namespace cfm
