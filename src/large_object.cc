#include "large_object.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <random>

#include "crypto.h"
#include "result_sink.h"
#include "s3_request.h"
#include "source_answer.h"
#include "url_escape.h"

namespace cfm {
namespace {

// Parses "bytes 0-8388607/12582912" into the total; -1 when absent.
int64_t TotalFromContentRange(const std::string& value) {
  size_t slash = value.rfind('/');
  if (slash == std::string::npos || value.compare(slash + 1, 1, "*") == 0)
    return -1;
  return std::strtoll(value.c_str() + slash + 1, nullptr, 10);
}

}  // namespace

// A source request that got no answer: the reason and whether to retry.
void LargeObjectPool::SourceTransportError(const Status& s, Attempt* a) {
  switch (s.code()) {
    case Status::Code::kTimeout:
      a->error = "source timeout";
      return;
    case Status::Code::kInvalidArgument:
      a->error = "malformed url: " + s.message();
      a->verdict = Verdict::kFailObject;
      a->type = FailType::kMalformedUrl;
      a->malformed = true;
      return;
    case Status::Code::kHttp:
      a->error = "source redirected more than " +
                 std::to_string(kMaxSourceRedirects) + " times";
      a->verdict = Verdict::kFailObject;
      a->type = FailType::kSourceRedirects;
      return;
    default:
      a->error = "source connection error (" + s.message() + ")";
  }
}

LargeObjectPool::LargeObjectPool(
    MigrateContext* context,
    std::function<std::unique_ptr<HttpClient>()> new_client)
    : ctx_(context), new_client_(std::move(new_client)) {
  for (int i = 0; i < ctx_->options.large_workers; ++i)
    threads_.emplace_back([this] { Work(); });
}

LargeObjectPool::~LargeObjectPool() { Close(); }

void LargeObjectPool::Submit(std::unique_ptr<Job> job) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(job));
  cv_.notify_one();
}

size_t LargeObjectPool::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + busy_;
}

void LargeObjectPool::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

bool LargeObjectPool::Wait(long ms) {
  std::unique_lock<std::mutex> lock(mu_);
  auto stopping = [this] { return ctx_->Stopping(); };
  cv_.wait_for(lock, std::chrono::milliseconds(ms), stopping);
  return !stopping();
}

void LargeObjectPool::Work() {
  std::unique_ptr<HttpClient> http = new_client_();
  while (true) {
    std::unique_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return closed_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    Copy(std::move(job), http.get());  // its in-flight slot goes with it
    std::lock_guard<std::mutex> lock(mu_);
    --busy_;
  }
}

void LargeObjectPool::Copy(std::unique_ptr<Job> job, HttpClient* http) {
  std::mt19937_64 rng(std::random_device{}());
  while (!ctx_->Stopping()) {
    job->attempts++;
    Attempt a = CopyOnce(job.get(), http);
    if (ctx_->run.abort_now.load() && !a.ok) return;  // redone next run
    if (a.ok) {
      ctx_->sink->Succeeded(job->url, job->key, a.bytes, a.record);
      return;
    }
    if (a.verdict == Verdict::kStopRun) return;  // the sink has the reason
    if (a.verdict == Verdict::kFailObject ||
        RetriesExhausted(job->attempts, job->throttled_attempts,
                         ctx_->options.max_retries)) {
      std::string reason = a.verdict == Verdict::kFailObject
                               ? a.error
                               : FailureReason(a.error, job->attempts);
      spdlog::warn("failed {}: {}", job->url, reason);
      if (a.malformed) {
        ctx_->sink->Malformed(job->url, reason);
      } else {
        ctx_->sink->Failed(job->url, Failure{a.type, a.http_status, reason});
      }
      return;
    }
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    ctx_->run.retrying++;
    bool go_on = Wait(BackoffMs(job->attempts, unit(rng), a.retry_after_ms));
    ctx_->run.retrying--;
    if (!go_on) return;
  }
}

namespace {

struct RangeBody {
  std::string body;
  int64_t total = -1;
  std::string etag;
  std::string content_type;
};

}  // namespace

// One attempt: every part, then Complete. Aborts the upload on failure.
LargeObjectPool::Attempt LargeObjectPool::CopyOnce(Job* job, HttpClient* http) {
  Attempt a;
  const EngineOptions& opt = ctx_->options;
  auto fetch = [&](int64_t first, int64_t last, RangeBody* out) {
    HttpRequest req;
    req.url = NormalizeUrl(job->url);  // the list keeps it as written
    req.max_redirects = kMaxSourceRedirects;
    req.headers = {{"Range", "bytes=" + std::to_string(first) + "-" +
                                 std::to_string(last)},
                   {"Accept-Encoding", "identity"}};
    req.timeout_ms = opt.download_timeout_ms;
    req.connect_timeout_ms = std::min(opt.connect_timeout_ms, req.timeout_ms);
    req.ca_file = opt.tls.source_ca_file;
    req.cancel = &ctx_->run.abort_now;
    Result<HttpResponse> r = http->Send(req);
    if (!r.ok()) {
      SourceTransportError(r.status(), &a);
      return false;
    }
    if (!r->final_url.empty())
      spdlog::debug("{} bytes {}-{} redirected to {}", job->url, first, last,
                    r->final_url);
    // A source that ignores Range sends the whole object with a 200: it is
    // then split into parts from memory.
    bool whole = r->status == 200 && first == 0;
    if (r->status != 206 && !whole) {
      a.error = "source http " + std::to_string(r->status);
      a.verdict = ClassifySourceStatus(r->status);
      a.http_status = r->status;
      a.type = r->status == 404 || r->status == 410 ? FailType::kSourceGone
                                                    : FailType::kSourceHttp;
      a.retry_after_ms = ParseRetryAfterMs(r->Header("retry-after"),
                                           ctx_->clock->WallSeconds());
      return false;
    }
    a.error = RejectSourceAnswer(r->Header("content-encoding"),
                                 r->Header("content-type"), opt.reject_types);
    if (!a.error.empty()) {
      a.verdict = Verdict::kFailObject;
      a.type = FailType::kSourceRejected;
      return false;
    }
    out->total =
        whole ? std::strtoll(r->Header("content-length").c_str(), nullptr, 10)
              : TotalFromContentRange(r->Header("content-range"));
    out->etag = r->Header("etag");
    out->content_type = r->Header("content-type");
    out->body = std::move(r->body);
    if (whole) last = out->total - 1;
    int64_t want = std::min(last + 1, out->total) - first;
    if (static_cast<int64_t>(out->body.size()) != want) {
      a.error = "source truncated body (got " +
                std::to_string(out->body.size()) + " of " +
                std::to_string(want) + " bytes)";
      return false;
    }
    return true;
  };
  // Sends an S3 request; on failure fills `a` from the S3 error class.
  auto s3 = [&](HttpRequest req, std::string_view what,
                auto parse) -> decltype(parse(what, HttpResponse())) {
    req.timeout_ms = opt.upload_timeout_ms;
    req.cancel = &ctx_->run.abort_now;
    Result<HttpResponse> r = http->Send(req);
    auto parsed = r.ok() ? parse(what, *r)
                         : decltype(parse(what, HttpResponse()))(
                               S3ErrorFromTransport(what, r.status()));
    if (!parsed.ok()) {
      Outcome o = ApplyOutcome(ctx_, JudgeS3Error(parsed.error(), false), job);
      a.verdict = o.kind == Outcome::Kind::kRetry  ? Verdict::kRetry
                  : o.kind == Outcome::Kind::kFail ? Verdict::kFailObject
                                                   : Verdict::kStopRun;
      a.error = o.failure.text;
      a.type = o.failure.type;
      a.http_status = o.failure.http_status;
      a.retry_after_ms = o.retry_after_ms;
      if (a.retry_after_ms < 0 && r.ok())
        a.retry_after_ms = ParseRetryAfterMs(r->Header("retry-after"),
                                             ctx_->clock->WallSeconds());
    }
    return parsed;
  };

  RangeBody part;
  if (!fetch(0, opt.part_size - 1, &part)) return a;
  if (part.total <= 0) {
    a.error = "source sent no Content-Range total";
    a.verdict = Verdict::kFailObject;
    return a;
  }
  Result<AwsCredentials> creds = ctx_->s3.credentials();
  if (!creds.ok()) {
    ctx_->sink->StopRun(creds.status().ToString());
    a.verdict = Verdict::kStopRun;
    return a;
  }
  PutObjectParams params;
  params.key = job->key;
  params.content_type = part.content_type;
  params.acl = opt.acl;
  auto upload_id =
      s3(BuildCreateMultipartUpload(ctx_->s3.target, params, *creds,
                                    ctx_->clock->WallSeconds()),
         S3What("POST", job->key), ParseCreateMultipartUpload);
  if (!upload_id.ok()) return a;

  const std::string first_etag = part.etag;
  std::string whole_body;  // only when the source ignored Range
  if (static_cast<int64_t>(part.body.size()) == part.total &&
      part.total > opt.part_size) {
    whole_body = std::move(part.body);
    part.body = whole_body.substr(0, opt.part_size);
  }
  Md5Hasher whole;
  std::vector<CompletedPart> parts;
  int64_t offset = 0;
  for (int number = 1; offset < part.total; ++number) {
    if (number > 1 && ctx_->Stopping()) {
      a.verdict = Verdict::kStopRun;
      break;
    }
    if (number > 1 && !whole_body.empty()) {
      part.body = whole_body.substr(offset, opt.part_size);
    } else if (number > 1 &&
               !fetch(offset, offset + opt.part_size - 1, &part)) {
      break;
    }
    if (part.etag != first_etag) {
      a.error = "source changed during the copy";
      a.type = FailType::kSourceChanged;
      break;
    }
    whole.Update(part.body);
    std::string md5 = Base64Encode(Md5(part.body));
    HttpRequest req =
        BuildUploadPart(ctx_->s3.target, job->key, *upload_id, number,
                        part.body, md5, *creds, ctx_->clock->WallSeconds());
    int64_t size = static_cast<int64_t>(part.body.size());
    req.body = std::move(part.body);  // the builder leaves the body to us
    auto put = s3(std::move(req), S3What("PUT", job->key), ParsePutObject);
    if (!put.ok()) break;
    parts.push_back({number, put->etag});
    offset += size;
  }
  std::string digest = HexEncode(whole.Finish());
  std::string source_md5 = PlainMd5FromEtag(first_etag);
  if (offset == part.total && !source_md5.empty() && digest != source_md5) {
    a.error = "source checksum mismatch";
    a.type = FailType::kChecksum;
  }
  if (offset == part.total && a.error.empty()) {
    auto done = s3(
        BuildCompleteMultipartUpload(ctx_->s3.target, job->key, *upload_id,
                                     parts, *creds, ctx_->clock->WallSeconds()),
        S3What("POST", job->key), ParseCompleteMultipartUpload);
    if (done.ok()) {
      a.ok = true;
      a.bytes = static_cast<uint64_t>(part.total);
      a.record = "md5:" + digest;
      return a;
    }
  }
  HttpRequest abort =
      BuildAbortMultipartUpload(ctx_->s3.target, job->key, *upload_id, *creds,
                                ctx_->clock->WallSeconds());
  // On a second Ctrl-C the user waits for this one: keep it short.
  abort.timeout_ms = ctx_->run.abort_now.load() ? 2000 : 10000;
  (void)http->Send(abort);  // best effort; a lifecycle rule cleans the rest
  return a;
}

}  // namespace cfm
