#include "transfer_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include "crypto.h"
#include "multipart_copy.h"
#include "result_sink.h"
#include "retry_policy.h"
#include "source_answer.h"
#include "transfer_legs.h"
#include "url_escape.h"

namespace cfm {
using transfer::BufferPool;
using transfer::Leg;
using transfer::Stage;
using transfer::Transfer;

namespace {

std::unique_ptr<Transport> DefaultTransport(const MigrateContext& ctx) {
  TransportOptions o;
  // A streamed object holds a source and an S3 connection at once.
  o.max_connections = 2L * ctx.limit->max() + 16;
  return NewCurlTransport(o);
}

}  // namespace

struct TransferLoop::Impl {
  Impl(MigrateContext* c, std::unique_ptr<Transport> t)
      : ctx(c),
        clock(c->clock),
        transport(t ? std::move(t) : DefaultTransport(*c)),
        multipart(std::make_unique<MultipartCopies>(
            c, transport.get(), &buffers,
            [this](const std::string& url, BodySink* sink) {
              return SourceRequest(url, sink);
            })),
        rng(std::random_device{}()) {
    // Without a payload hash (https) the PUT can go before the body exists.
    may_stream = ctx->s3.target.endpoint.scheme == "https";
  }

  ~Impl() {
    for (auto& [raw, t] : live) {
      CancelLeg(&t->get);
      CancelLeg(&t->put);
    }
  }

  void Run();
  void Fill(int64_t now);
  void StartAttempt(std::unique_ptr<Job> job);
  TransferRequest SourceRequest(const std::string& url, BodySink* sink);
  void StartGet(Transfer* t);
  bool StartPut(Transfer* t);
  void StartLeg(Leg* leg, TransferRequest request);
  void CancelLeg(Leg* leg);
  void WakeAll();
  void OnDone(Transport::Completion done);
  void OnGetDone(Transfer* t);
  void OnPutDone(Transfer* t);
  void Act(std::unique_ptr<Job> job, Outcome outcome);
  void Retry(std::unique_ptr<Job> job, Failure failure, long retry_after_ms);
  void Fail(std::unique_ptr<Job> job, const Failure& failure);
  void CheckDeadlines(int64_t now);
  void DropWaiting();
  void AbortNow();
  std::unique_ptr<Job> End(Transfer* t);

  MigrateContext* ctx;
  Clock* clock;
  std::unique_ptr<Transport> transport;
  // Spare bodies and rings, shared with the multipart copies' parts.
  BufferPool buffers;
  // Objects over the threshold; destroyed before the transport and the
  // spares.
  std::unique_ptr<MultipartCopies> multipart;
  bool may_stream = false;
  std::unordered_map<Transfer*, std::unique_ptr<Transfer>> live;
  std::unordered_map<Transport::Id, Leg*> legs;  // requests in flight
  std::vector<Transfer*> woken;
  std::multimap<int64_t, std::unique_ptr<Job>> waiting;
  // Streamed PUTs whose GET has ended, by when S3 must have answered.
  std::set<std::pair<int64_t, Transfer*>> deadlines;
  std::mt19937_64 rng;
};

void TransferLoop::Impl::StartLeg(Leg* leg, TransferRequest request) {
  leg->done = false;
  leg->response = HttpResponse();
  leg->result = TransportResult();
  leg->id = transport->Start(std::move(request));
  legs[leg->id] = leg;
}

// A request still in flight that is no longer wanted.
void TransferLoop::Impl::CancelLeg(Leg* leg) {
  if (!leg->id) return;
  transport->Cancel(leg->id);
  legs.erase(leg->id);
  leg->id = 0;
}

// The attempt is over: drops whatever request is still in flight and hands
// the job back to the caller.
std::unique_ptr<Job> TransferLoop::Impl::End(Transfer* t) {
  CancelLeg(&t->get);
  CancelLeg(&t->put);
  if (t->wake) {
    auto it = std::find(woken.begin(), woken.end(), t);
    if (it != woken.end()) woken.erase(it);
  }
  if (t->pipe) buffers.rings.push_back(t->pipe->Release());
  if (t->put_deadline_ms) deadlines.erase({t->put_deadline_ms, t});
  std::unique_ptr<Job> job = std::move(t->job);
  live.erase(t);
  return job;
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

// The one builder of source requests (whole GETs and the Range GETs of
// multipart copies): timeouts, redirects, protocol and TLS trust.
TransferRequest TransferLoop::Impl::SourceRequest(const std::string& url,
                                                  BodySink* sink) {
  TransferRequest r;
  // The list keeps the URL as written; the request carries it legal.
  r.url = NormalizeUrl(url);
  r.headers = {{"Accept-Encoding", "identity"}};
  r.sink = sink;
  r.timeout_ms = ctx->options.download_timeout_ms;
  r.connect_timeout_ms = ctx->options.connect_timeout_ms;
  r.max_redirects = kMaxSourceRedirects;
  r.offer_http2 = ctx->options.source_http2;  // SOURCE_HTTP_VERSION
  r.ca_file = ctx->options.tls.source_ca_file;
  return r;
}

void TransferLoop::Impl::StartGet(Transfer* t) {
  Job* job = t->job.get();
  job->body.clear();
  job->content_length = -1;
  job->crc32c = 0;
  job->crc_running = false;
  job->too_large = false;
  TransferRequest r = SourceRequest(job->url, &t->sink);
  if (r.url.find('\0') != std::string::npos) {
    Act(End(t), cfm::Fail(FailType::kMalformedUrl, "malformed url: NUL byte"));
    return;
  }
  StartLeg(&t->get, std::move(r));
}

// Returns false when the attempt ended instead (and `t` is gone).
bool TransferLoop::Impl::StartPut(Transfer* t) {
  Job* job = t->job.get();
  std::string_view body = t->streaming ? std::string_view() : job->body;
  Result<Integrity> integrity =
      t->chunked ? Integrity()  // the CRC32C goes after the body
                 : ComputeIntegrity(ctx->options.checksum, job->etag, body,
                                    job->crc_running ? &job->crc32c : nullptr);
  if (!integrity.ok()) {
    job->downloaded = false;  // the bytes disagree with the source: refetch
    Act(End(t), cfm::Retry(FailType::kChecksum, "source checksum mismatch"));
    return false;
  }
  Result<AwsCredentials> creds = ctx->s3.credentials();
  if (!creds.ok()) {
    Act(End(t), StopRun(creds.status().ToString()));
    return false;
  }
  PutObjectParams params;
  params.key = job->key;
  params.content_type = job->content_type;
  params.acl = ctx->options.acl;
  params.content_md5 = integrity->content_md5;
  params.checksum_crc32c = integrity->checksum_crc32c;
  if (t->chunked) params.chunked_payload_bytes = job->content_length;
  job->etag_record = integrity->record;
  HttpRequest req = BuildPutObject(ctx->s3.target, params, body, *creds,
                                   clock->WallSeconds());
  TransferRequest r;
  r.method = "PUT";
  r.url = std::move(req.url);
  r.headers = std::move(req.headers);
  // A streamed PUT lasts as long as the GET feeding it: the transport's
  // clock only backs up CheckDeadlines, which gives S3 UPLOAD_TIMEOUT
  // after the body.
  r.timeout_ms = t->streaming ? ctx->options.download_timeout_ms +
                                    ctx->options.upload_timeout_ms
                              : ctx->options.upload_timeout_ms;
  r.connect_timeout_ms = ctx->options.connect_timeout_ms;
  r.ca_file = ctx->options.tls.s3_ca_file;
  if (t->streaming) {
    r.source = &t->source;
    r.upload_size = t->chunked
                        ? AwsChunkedEncoder::EncodedLength(job->content_length)
                        : job->content_length;
  } else {
    r.body = job->body;
  }
  StartLeg(&t->put, std::move(r));
  return true;
}

// Streamed transfers whose sink or source asked for the PUT to start
// (headers in) or to resume (bytes arrived while it waited).
void TransferLoop::Impl::WakeAll() {
  std::vector<Transfer*> list;
  list.swap(woken);
  for (Transfer* t : list) {
    t->wake = false;
    if (!t->put.id && !t->put.done) {
      if (!StartPut(t)) continue;  // the attempt ended
    } else if (t->put.id && t->put_paused && t->PutMayGo()) {
      t->put_paused = false;
      transport->Resume(t->put.id);
    }
    if (t->get.id && t->get_paused && t->GetMayGo()) {
      t->get_paused = false;
      transport->Resume(t->get.id);  // may call the sink
    }
  }
}

void TransferLoop::Impl::OnDone(Transport::Completion done) {
  auto it = legs.find(done.id);
  if (it == legs.end()) {
    (void)multipart->OnDone(&done);  // else its attempt ended meanwhile
    return;
  }
  Leg* leg = it->second;
  legs.erase(it);
  leg->id = 0;
  leg->done = true;
  leg->result = std::move(done.result);
  leg->response = std::move(done.response);
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
  if (!t->rejected.empty() && r.status == 200) {
    // The same source answers the same way again: no retry.
    Act(End(t), cfm::Fail(FailType::kSourceRejected, t->rejected, 200));
    return;
  }
  if (job->too_large && r.status == 200) {
    std::unique_ptr<Job> large = End(t);
    large->body.clear();
    large->body.shrink_to_fit();
    large->attempts = 0;
    large->throttled_attempts = 0;
    multipart->Start(std::move(large));  // its in-flight slot goes along
    return;
  }
  RequestFacts facts;
  facts.kind = RequestKind::kSourceGet;
  facts.paused_for_s3 = t->get_paused;
  Outcome outcome = Judge(facts, t->get.result, r, clock->WallSeconds());
  if (outcome.kind != Outcome::Kind::kDone) {
    Act(End(t), std::move(outcome));
    return;
  }
  if (job->content_length >= 0 && t->received != job->content_length) {
    std::string error = "source truncated body (got " +
                        std::to_string(t->received) + " of " +
                        std::to_string(job->content_length) + " bytes)";
    Act(End(t), cfm::Retry(FailType::kSourceTransport, std::move(error)));
    return;
  }
  job->content_length = t->received;
  if (t->streaming) {
    if (t->put.done) {
      OnPutDone(t);
    } else {
      // S3 has UPLOAD_TIMEOUT from the last byte on to take the rest and
      // answer, however long the source took (CheckDeadlines).
      t->put_deadline_ms = clock->NowMs() + ctx->options.upload_timeout_ms;
      deadlines.emplace(t->put_deadline_ms, t);
    }
    return;
  }
  job->downloaded = true;
  job->content_type = r.Header("content-type");
  job->etag = r.Header("etag");
  StartPut(t);
}

// A streamed PUT whose GET has ended and that S3 has not answered within
// UPLOAD_TIMEOUT of it is a stalled S3: dropped and retried. Costs only the
// late ones: `deadlines` is ordered and End() takes a transfer out.
void TransferLoop::Impl::CheckDeadlines(int64_t now) {
  while (!deadlines.empty() && deadlines.begin()->first <= now) {
    Transfer* t = deadlines.begin()->second;
    Act(End(t), cfm::Retry(FailType::kS3Transport, "s3 timeout"));
  }
}

// The PUT is over (a streamed GET may still be in flight).
void TransferLoop::Impl::OnPutDone(Transfer* t) {
  Job* job = t->job.get();
  std::string what = S3What("PUT", job->key);
  RequestFacts facts;
  facts.kind = RequestKind::kS3Put;
  facts.what = what;
  facts.md5_from_source_etag = ctx->options.checksum == ChecksumMode::kAuto &&
                               !PlainMd5FromEtag(job->etag).empty();
  Outcome outcome =
      Judge(facts, t->put.result, t->put.response, clock->WallSeconds());
  if (outcome.kind != Outcome::Kind::kDone) {
    Act(End(t), std::move(outcome));
    return;
  }
  ctx->limit->OnSuccess(clock->NowMs());
  if (t->chunked)  // S3 checked it against every byte: recorded like a header
    job->etag_record = "crc32c:" + Crc32cBase64(t->chunked->crc32c());
  ctx->sink->Succeeded(job->url, job->key, job->content_length,
                       job->etag_record);
  buffers.Give(&job->body);
  End(t);  // the job goes, and its in-flight slot with it
}

// Acts on a verdict for an attempt that has ended.
void TransferLoop::Impl::Act(std::unique_ptr<Job> job, Outcome outcome) {
  outcome = ApplyOutcome(ctx, std::move(outcome), job.get());
  switch (outcome.kind) {
    case Outcome::Kind::kRetry:
      Retry(std::move(job), std::move(outcome.failure), outcome.retry_after_ms);
      return;
    case Outcome::Kind::kFail:
      Fail(std::move(job), outcome.failure);
      return;
    case Outcome::Kind::kDone:
    case Outcome::Kind::kStopRun:
      return;  // not recorded: the next run copies it
  }
}

void TransferLoop::Impl::Retry(std::unique_ptr<Job> job, Failure failure,
                               long retry_after_ms) {
  if (RetriesExhausted(job->attempts, job->throttled_attempts,
                       ctx->options.max_retries)) {
    failure.text = FailureReason(failure.text, job->attempts);
    Fail(std::move(job), failure);
    return;
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  long delay = BackoffMs(job->attempts, unit(rng), retry_after_ms);
  spdlog::debug("retry {} in {} ms: {}", job->url, delay, failure.text);
  ctx->run.retrying++;
  waiting.emplace(clock->NowMs() + delay, std::move(job));
}

void TransferLoop::Impl::Fail(std::unique_ptr<Job> job,
                              const Failure& failure) {
  spdlog::warn("failed {}: {}", job->url, failure.text);
  if (failure.type == FailType::kMalformedUrl) {
    ctx->sink->Malformed(job->url, failure.text);  // never a broken run
  } else {
    ctx->sink->Failed(job->url, failure);
  }
  buffers.Give(&job->body);
}

void TransferLoop::Impl::DropWaiting() {
  ctx->run.retrying -= static_cast<int>(waiting.size());
  waiting.clear();  // their in-flight slots go with them
}

void TransferLoop::Impl::Fill(int64_t now) {
  while (!waiting.empty() && waiting.begin()->first <= now) {
    std::unique_ptr<Job> job = std::move(waiting.begin()->second);
    waiting.erase(waiting.begin());
    ctx->run.retrying--;
    StartAttempt(std::move(job));
  }
  while (ctx->run.in_flight.load() < ctx->limit->limit()) {
    std::unique_ptr<Job> job = ctx->feed->TryTake();
    if (!job) break;
    job->slot = InflightSlot(&ctx->run.in_flight);
    StartAttempt(std::move(job));
  }
}

// Second signal: every request is dropped at once (the jobs stay held until
// the loop goes, unrecorded); only the aborts of multipart uploads are
// waited for, each with a short timeout.
void TransferLoop::Impl::AbortNow() {
  for (auto& [raw, t] : live) {
    CancelLeg(&t->get);
    CancelLeg(&t->put);
  }
  multipart->AbortAll();
  while (!multipart->empty())
    for (Transport::Completion& c : transport->Poll(100))
      (void)multipart->OnDone(&c);
}

void TransferLoop::Impl::Run() {
  while (true) {
    if (ctx->run.abort_now.load()) return AbortNow();
    bool stopping = ctx->Stopping();
    if (stopping) {
      DropWaiting();
    } else {
      Fill(clock->NowMs());
    }
    multipart->Tick(stopping);
    if (live.empty() && waiting.empty() && multipart->empty() &&
        (stopping || ctx->feed->Exhausted()))
      return;
    int64_t due = waiting.empty() ? -1 : waiting.begin()->first;
    int64_t part_due = multipart->NextDueMs();
    if (part_due >= 0 && (due < 0 || part_due < due)) due = part_due;
    int timeout = 100;
    if (due >= 0)
      timeout = static_cast<int>(
          std::clamp<int64_t>(due - clock->NowMs(), 0, timeout));
    std::vector<Transport::Completion> done = transport->Poll(timeout);
    WakeAll();
    for (Transport::Completion& c : done) OnDone(std::move(c));
    CheckDeadlines(clock->NowMs());  // after the answers that did come
  }
}

TransferLoop::TransferLoop(MigrateContext* context,
                           std::unique_ptr<Transport> transport)
    : impl_(std::make_unique<Impl>(context, std::move(transport))) {}
TransferLoop::~TransferLoop() = default;
void TransferLoop::Run() { impl_->Run(); }

}  // namespace cfm
