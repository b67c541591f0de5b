#include <spdlog/spdlog.h>

#include "multipart_copy.h"
#include "multipart_state.h"
#include "result_sink.h"
#include "retry_policy.h"

namespace cfm {
using multipart::Control;
using multipart::Copy;
using multipart::kControl;
using multipart::kRestart;
using multipart::Part;
using multipart::Ref;

// A transient failure is retried alone; anything else ends the copy.
void MultipartCopies::Impl::UnitFailed(Copy* c, int part, Outcome outcome) {
  Part* p = part >= 0 ? c->parts[static_cast<size_t>(part)].get() : nullptr;
  if (p) p->id = 0;
  if (part == kControl) c->control_id = 0;
  int* throttled = p ? &p->throttled : &c->control_throttled;
  int attempts = p ? p->attempts : c->control_attempts + 1;
  outcome = ApplyUnitOutcome(ctx, std::move(outcome), c->job.get(), throttled);
  switch (outcome.kind) {
    case Outcome::Kind::kRetry:
      if (RetriesExhausted(attempts, *throttled, ctx->options.max_retries)) {
        outcome.failure.text = FailureReason(outcome.failure.text, attempts);
        FailObject(c, outcome.failure);
        return;
      }
      {
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        long delay = BackoffMs(attempts, unit(rng), outcome.retry_after_ms);
        spdlog::debug("retry {} part {} in {} ms: {}", c->job->url,
                      p ? p->number : 0, delay, outcome.failure.text);
        Wait(c, part, delay);
      }
      return;
    case Outcome::Kind::kFail:
      FailObject(c, outcome.failure);
      return;
    case Outcome::Kind::kDone:
    case Outcome::Kind::kStopRun:
      Drop(c);  // not recorded: the next run copies it
      return;
  }
}

void MultipartCopies::Impl::Wait(Copy* c, int part, long delay_ms) {
  ctx->run.retrying++;
  waiting.emplace(ctx->clock->NowMs() + delay_ms, Ref{c, part});
}

// A waiting retry is due.
void MultipartCopies::Impl::Fire(Ref ref) {
  Copy* c = ref.copy;
  if (ref.part == kRestart) {
    StartProbe(c);
  } else if (ref.part == kControl) {
    c->control_attempts++;
    StartControl(c);
  } else {
    Part* p = c->parts[static_cast<size_t>(ref.part)].get();
    p->attempts++;
    if (!p->fetched) {
      Fetch(c, p);
    } else {
      (void)Upload(c, p);  // or the copy ended
    }
  }
}

// The whole MD5 disagrees with the source's: a new upload from the first
// part, until the object's retries run out.
void MultipartCopies::Impl::Restart(Copy* c) {
  SendAbort(c);
  Job* job = c->job.get();
  if (RetriesExhausted(job->attempts, job->throttled_attempts,
                       ctx->options.max_retries)) {
    FailObject(
        c, Failure{FailType::kChecksum, 0,
                   FailureReason("source checksum mismatch", job->attempts)});
    return;
  }
  std::unique_ptr<Job> keep = std::move(c->job);
  *c = Copy();
  c->job = std::move(keep);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Wait(c, kRestart, BackoffMs(c->job->attempts, unit(rng)));
}

void MultipartCopies::Impl::FailObject(Copy* c, const Failure& failure) {
  spdlog::warn("failed {}: {}", c->job->url, failure.text);
  if (failure.type == FailType::kMalformedUrl) {
    ctx->sink->Malformed(c->job->url, failure.text);  // never a broken run
  } else {
    ctx->sink->Failed(c->job->url, failure);
  }
  Drop(c);
}

// Ends a copy: its requests cancelled, its retries forgotten, its upload
// aborted; the job and every slot it held go.
void MultipartCopies::Impl::Drop(Copy* c) {
  for (auto& p : c->parts)
    if (p->id) {
      transport->Cancel(p->id);
      requests.erase(p->id);
    }
  if (c->control_id) {
    transport->Cancel(c->control_id);
    requests.erase(c->control_id);
  }
  for (auto it = waiting.begin(); it != waiting.end();) {
    if (it->second.copy != c) {
      ++it;
      continue;
    }
    it = waiting.erase(it);
    ctx->run.retrying--;
  }
  SendAbort(c);
  copies.erase(c);
}

// Best effort: a bucket lifecycle rule cleans up what this misses.
void MultipartCopies::Impl::SendAbort(Copy* c) {
  if (c->upload_id.empty()) return;
  Result<AwsCredentials> creds = ctx->s3.credentials();
  if (!creds.ok()) return;
  HttpRequest req =
      BuildAbortMultipartUpload(ctx->s3.target, c->job->key, c->upload_id,
                                *creds, ctx->clock->WallSeconds());
  TransferRequest r;
  r.method = req.method;
  r.url = std::move(req.url);
  r.headers = std::move(req.headers);
  r.timeout_ms =
      ctx->run.abort_now.load() ? kAbortNowTimeoutMs : kAbortTimeoutMs;
  r.connect_timeout_ms =
      std::min(r.timeout_ms, ctx->options.connect_timeout_ms);
  r.ca_file = ctx->options.tls.s3_ca_file;
  aborts.insert(transport->Start(std::move(r)));
  c->upload_id.clear();
}

MultipartCopies::MultipartCopies(MigrateContext* ctx, Transport* transport,
                                 transfer::BufferPool* buffers,
                                 SourceRequestFn source_request)
    : impl_(std::make_unique<Impl>(ctx, transport, buffers,
                                   std::move(source_request))) {}

MultipartCopies::~MultipartCopies() {
  for (const auto& [id, ref] : impl_->requests) impl_->transport->Cancel(id);
  for (Transport::Id id : impl_->aborts) impl_->transport->Cancel(id);
  impl_->ctx->run.retrying -= static_cast<int>(impl_->waiting.size());
}

void MultipartCopies::Start(std::unique_ptr<Job> job) {
  auto owned = std::make_unique<Copy>();
  Copy* c = owned.get();
  c->job = std::move(job);
  impl_->copies.emplace(c, std::move(owned));
  impl_->StartProbe(c);
}

bool MultipartCopies::OnDone(Transport::Completion* done) {
  if (impl_->aborts.erase(done->id)) {
    if (!done->result.ok() || done->response.status >= 300)
      spdlog::debug("abort of a multipart upload: {} {}", done->response.status,
                    done->result.detail);
    return true;
  }
  auto it = impl_->requests.find(done->id);
  if (it == impl_->requests.end()) return false;
  Ref ref = it->second;
  impl_->requests.erase(it);
  Copy* c = ref.copy;
  if (ref.part == kControl) {
    c->control_id = 0;
    impl_->OnControlDone(c, *done);
    return true;
  }
  Part* p = c->parts[static_cast<size_t>(ref.part)].get();
  p->id = 0;
  if (p->fetched) {
    impl_->OnUploadDone(c, p, *done);
  } else {
    impl_->OnFetchDone(c, p, *done);
  }
  return true;
}

void MultipartCopies::Tick(bool stopping) {
  Impl* m = impl_.get();
  if (stopping) {
    // Like a small object's waiting retry: dropped, copied next run.
    while (!m->waiting.empty()) m->Drop(m->waiting.begin()->second.copy);
  }
  int64_t now = m->ctx->clock->NowMs();
  while (!m->waiting.empty() && m->waiting.begin()->first <= now) {
    Ref ref = m->waiting.begin()->second;
    m->waiting.erase(m->waiting.begin());
    m->ctx->run.retrying--;
    m->Fire(ref);
  }
  std::vector<Copy*> all;
  for (const auto& [raw, owned] : m->copies) all.push_back(raw);
  for (Copy* c : all)
    if (m->copies.count(c)) m->Pump(c);
}

int64_t MultipartCopies::NextDueMs() const {
  return impl_->waiting.empty() ? -1 : impl_->waiting.begin()->first;
}

bool MultipartCopies::empty() const {
  return impl_->copies.empty() && impl_->aborts.empty();
}

void MultipartCopies::AbortAll() {
  while (!impl_->copies.empty()) impl_->Drop(impl_->copies.begin()->first);
}

}  // namespace cfm
