#include "transfer_loop.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <random>
#include <vector>

#include "crypto.h"
#include "large_object.h"
#include "result_sink.h"
#include "retry_policy.h"
#include "s3_error.h"
#include "work_feed.h"

namespace cfm {
namespace {

constexpr size_t kMaxErrorBody = 64 << 10;
// Body buffers up to this capacity are kept for reuse: fresh pages for every
// image cost more CPU (page faults, zeroing) than the copy itself.
constexpr size_t kMaxSpareBytes = 32 << 20;

// Spare body buffers of one loop; only that loop's thread touches them.
struct BufferPool {
  std::vector<std::string> spares;
  size_t bytes = 0;

  // Fills `body` (empty) with a spare of at least `size` bytes when one
  // exists, choosing the smallest that fits.
  void Take(size_t size, std::string* body) {
    size_t best = spares.size();
    for (size_t i = 0; i < spares.size(); ++i)
      if (spares[i].capacity() >= size &&
          (best == spares.size() ||
           spares[i].capacity() < spares[best].capacity()))
        best = i;
    if (best == spares.size()) return;
    bytes -= spares[best].capacity();
    body->swap(spares[best]);
    spares[best].swap(spares.back());
    spares.pop_back();
  }

  void Give(std::string* body) {
    if (body->capacity() == 0 || bytes + body->capacity() > kMaxSpareBytes)
      return;
    body->clear();
    bytes += body->capacity();
    spares.push_back(std::move(*body));
  }
};

enum class Stage { kGet, kPut };

struct Transfer {
  CURL* easy = nullptr;
  std::unique_ptr<Job> job;
  Stage stage = Stage::kGet;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  HttpResponse response;  // status and headers; body only for S3 errors
  int64_t threshold = 0;
  ChecksumMode checksum = ChecksumMode::kAuto;
  BufferPool* buffers = nullptr;
};

long StatusFromLine(std::string_view line) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  return std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();
    t->response.status = StatusFromLine(line);
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' ||
                              value.back() == ' '))
      value.remove_suffix(1);
    t->response.headers.emplace_back(std::move(name), std::string(value));
  } else if (t->stage == Stage::kGet && t->response.status == 200 &&
             (line == "\r\n" || line == "\n")) {
    // CRC32C is folded in as bytes arrive, while they are still in cache.
    t->job->crc_running = NeedsCrc32c(t->checksum, t->response.Header("etag"));
    std::string length = t->response.Header("content-length");
    if (!length.empty()) {
      t->job->content_length = std::strtoll(length.c_str(), nullptr, 10);
      if (t->job->content_length > t->threshold) t->job->too_large = true;
    }
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  if (t->stage == Stage::kPut || t->response.status != 200) {
    if (t->response.body.size() < kMaxErrorBody)
      t->response.body.append(data, bytes);
    return bytes;
  }
  Job* job = t->job.get();
  if (job->too_large) return 0;  // stops the GET; the pool takes over
  if (job->body.empty() && job->content_length > 0) {
    size_t size = static_cast<size_t>(job->content_length);
    if (job->body.capacity() < size) t->buffers->Take(size, &job->body);
    job->body.reserve(size);
  }
  if (static_cast<int64_t>(job->body.size() + bytes) > t->threshold) {
    job->too_large = true;  // no Content-Length and more than the threshold
    return 0;
  }
  job->body.append(data, bytes);
  if (job->crc_running)
    job->crc32c = Crc32c(std::string_view(data, bytes), job->crc32c);
  return bytes;
}

std::string TransportError(CURLcode rc, const char* detail) {
  if (rc == CURLE_OPERATION_TIMEDOUT) return "timeout";
  if (rc == CURLE_PARTIAL_FILE) return "truncated body";
  std::string text = *detail ? detail : curl_easy_strerror(rc);
  return "connection error (" + text + ")";
}

}  // namespace

struct TransferLoop::Impl {
  explicit Impl(MigrateContext* c) : ctx(c), rng(std::random_device{}()) {
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
                      static_cast<long>(2 * ctx->limit->max() + 16));
    // Spread HTTP/2 transfers over several connections: one connection for
    // all of them is one TCP flow and one server worker, which caps
    // throughput well below what many connections reach.
    curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 16L);
  }

  ~Impl() {
    for (auto& [easy, t] : active) {
      curl_multi_remove_handle(multi, easy);
      curl_slist_free_all(t->headers);
      curl_easy_cleanup(easy);
    }
    for (CURL* e : idle) curl_easy_cleanup(e);
    curl_multi_cleanup(multi);
  }

  void Run();
  void Fill(int64_t now);
  void StartAttempt(std::unique_ptr<Job> job);
  void StartGet(std::unique_ptr<Transfer> t);
  void StartPut(std::unique_ptr<Transfer> t);
  void Launch(std::unique_ptr<Transfer> t);
  void OnDone(CURL* easy, CURLcode rc);
  void OnGetDone(std::unique_ptr<Transfer> t, CURLcode rc);
  void OnPutDone(std::unique_ptr<Transfer> t, CURLcode rc);
  void Retry(std::unique_ptr<Job> job, const std::string& error,
             long retry_after_ms);
  void Fail(std::unique_ptr<Job> job, const std::string& reason);
  void Release() { ctx->in_flight--; }
  void DropWaiting();
  CURL* Acquire();
  void SetCommon(Transfer* t, long timeout_ms);

  MigrateContext* ctx;
  CURLM* multi;
  std::vector<CURL*> idle;
  std::map<CURL*, std::unique_ptr<Transfer>> active;
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

void TransferLoop::Impl::SetCommon(Transfer* t, long timeout_ms) {
  CURL* e = t->easy;
  t->error[0] = '\0';
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   std::min(timeout_ms, ctx->options.connect_timeout_ms));
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 64L << 10);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
}

void TransferLoop::Impl::StartAttempt(std::unique_ptr<Job> job) {
  job->attempts++;
  auto t = std::make_unique<Transfer>();
  t->job = std::move(job);
  t->threshold = ctx->options.multipart_threshold;
  t->buffers = &buffers;
  t->checksum = ctx->options.checksum;
  if (t->job->downloaded) {
    StartPut(std::move(t));
  } else {
    StartGet(std::move(t));
  }
}

void TransferLoop::Impl::StartGet(std::unique_ptr<Transfer> t) {
  t->stage = Stage::kGet;
  Job* job = t->job.get();
  job->body.clear();
  job->content_length = -1;
  job->crc32c = 0;
  job->crc_running = false;
  job->too_large = false;
  t->easy = Acquire();
  SetCommon(t.get(), ctx->options.download_timeout_ms);
  curl_easy_setopt(t->easy, CURLOPT_URL, job->url.c_str());
  curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(t->easy, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(t->easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(t->easy, CURLOPT_PIPEWAIT, 1L);
  if (!ctx->options.source_ca_file.empty())
    curl_easy_setopt(t->easy, CURLOPT_CAINFO,
                     ctx->options.source_ca_file.c_str());
  t->headers = curl_slist_append(nullptr, "Accept-Encoding: identity");
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
  Launch(std::move(t));
}

void TransferLoop::Impl::StartPut(std::unique_ptr<Transfer> t) {
  t->stage = Stage::kPut;
  Job* job = t->job.get();
  Result<Integrity> integrity =
      ComputeIntegrity(ctx->options.checksum, job->etag, job->body,
                       job->crc_running ? &job->crc32c : nullptr);
  if (!integrity.ok()) {
    job->downloaded = false;  // the bytes disagree with the source: refetch
    Retry(std::move(t->job), "checksum mismatch", -1);
    return;
  }
  Result<AwsCredentials> creds = ctx->credentials();
  if (!creds.ok()) {
    ctx->sink->StopRun(creds.status().ToString());
    Release();
    return;
  }
  PutObjectParams params;
  params.key = job->key;
  params.content_type = job->content_type;
  params.acl = ctx->options.acl;
  params.content_md5 = integrity->content_md5;
  params.checksum_crc32c = integrity->checksum_crc32c;
  job->etag_record = integrity->record;
  HttpRequest req = BuildPutObject(ctx->target, params, job->body, *creds,
                                   std::time(nullptr));
  t->easy = Acquire();
  SetCommon(t.get(), ctx->options.upload_timeout_ms);
  curl_easy_setopt(t->easy, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(t->easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, job->body.data());
  curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(job->body.size()));
  if (const char* ca = std::getenv("AWS_CA_BUNDLE"); ca && *ca)
    curl_easy_setopt(t->easy, CURLOPT_CAINFO, ca);
  bool has_type = false;
  for (const auto& [name, value] : req.headers) {
    t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
    if (strcasecmp(name.c_str(), "content-type") == 0) has_type = true;
  }
  // Headers curl would add on its own are unsigned: suppress them.
  if (!has_type) t->headers = curl_slist_append(t->headers, "Content-Type:");
  t->headers = curl_slist_append(t->headers, "Expect:");
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
  Launch(std::move(t));
}

void TransferLoop::Impl::Launch(std::unique_ptr<Transfer> t) {
  CURL* easy = t->easy;
  active.emplace(easy, std::move(t));
  curl_multi_add_handle(multi, easy);
}

void TransferLoop::Impl::OnDone(CURL* easy, CURLcode rc) {
  curl_multi_remove_handle(multi, easy);
  auto it = active.find(easy);
  std::unique_ptr<Transfer> t = std::move(it->second);
  active.erase(it);
  curl_slist_free_all(t->headers);
  t->headers = nullptr;
  idle.push_back(easy);
  t->easy = nullptr;
  if (t->stage == Stage::kGet) {
    OnGetDone(std::move(t), rc);
  } else {
    OnPutDone(std::move(t), rc);
  }
}

void TransferLoop::Impl::OnGetDone(std::unique_ptr<Transfer> t, CURLcode rc) {
  Job* job = t->job.get();
  if (job->too_large && t->response.status == 200) {
    job->body.clear();
    job->body.shrink_to_fit();
    job->attempts = 0;
    job->throttled_attempts = 0;
    ctx->large->Submit(std::move(t->job));
    Release();
    return;
  }
  long status = t->response.status;
  if (rc != CURLE_OK) {
    Retry(std::move(t->job), TransportError(rc, t->error), -1);
    return;
  }
  if (status != 200) {
    std::string error = "http " + std::to_string(status);
    if (ClassifySourceStatus(status) == Verdict::kFailObject) {
      Fail(std::move(t->job), error);
      return;
    }
    Retry(std::move(t->job), error,
          ParseRetryAfterMs(t->response.Header("retry-after"),
                            std::time(nullptr)));
    return;
  }
  if (job->content_length >= 0 &&
      static_cast<int64_t>(job->body.size()) != job->content_length) {
    Retry(std::move(t->job),
          "truncated body (got " + std::to_string(job->body.size()) + " of " +
              std::to_string(job->content_length) + " bytes)",
          -1);
    return;
  }
  job->downloaded = true;
  job->content_type = t->response.Header("content-type");
  job->etag = t->response.Header("etag");
  t->response = HttpResponse();
  StartPut(std::move(t));
}

void TransferLoop::Impl::OnPutDone(std::unique_ptr<Transfer> t, CURLcode rc) {
  Job* job = t->job.get();
  if (rc != CURLE_OK) {
    Retry(std::move(t->job), TransportError(rc, t->error), -1);
    return;
  }
  long status = t->response.status;
  if (status >= 200 && status < 300) {
    ctx->limit->OnSuccess(NowMs());
    ctx->sink->Succeeded(job->url, job->key, job->body.size(),
                         job->etag_record);
    buffers.Give(&job->body);
    Release();
    return;
  }
  std::string error;
  long retry_after_ms = -1;
  S3Error err = S3ErrorFromResponse(S3What("PUT", job->key), t->response);
  switch (JudgeS3Error(ctx, err, job, &error, &retry_after_ms)) {
    case Verdict::kRetry: {
      long header = ParseRetryAfterMs(t->response.Header("retry-after"),
                                      std::time(nullptr));
      Retry(std::move(t->job), error,
            retry_after_ms >= 0 ? retry_after_ms : header);
      return;
    }
    case Verdict::kFailObject:
      Fail(std::move(t->job), error);
      return;
    case Verdict::kStopRun:
      Release();  // not recorded: the next run copies it
      return;
  }
}

void TransferLoop::Impl::Retry(std::unique_ptr<Job> job,
                               const std::string& error, long retry_after_ms) {
  if (RetriesExhausted(job->attempts, job->throttled_attempts,
                       ctx->options.max_retries)) {
    Fail(std::move(job), FailureReason(error, job->attempts));
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
    if (active.empty() && waiting.empty() &&
        (stopping || ctx->feed->Exhausted()))
      return;
    int timeout = 100;
    if (!waiting.empty())
      timeout = static_cast<int>(
          std::clamp<int64_t>(waiting.begin()->first - NowMs(), 0, timeout));
    curl_multi_poll(multi, nullptr, 0, timeout, nullptr);
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE) OnDone(msg->easy_handle, msg->data.result);
    }
  }
}

TransferLoop::TransferLoop(MigrateContext* context)
    : impl_(std::make_unique<Impl>(context)) {}
TransferLoop::~TransferLoop() = default;
void TransferLoop::Run() { impl_->Run(); }

}  // namespace cfm
