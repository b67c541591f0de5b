#include "multipart_copy.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "multipart_state.h"
#include "result_sink.h"
#include "transfer_legs.h"

namespace cfm {
using multipart::Control;
using multipart::Copy;
using multipart::kControl;
using multipart::Part;
using multipart::Ref;

Transport::Id MultipartCopies::Impl::Send(TransferRequest r, Ref ref) {
  Transport::Id id = transport->Start(std::move(r));
  requests[id] = ref;
  return id;
}

// The verdict on one of a copy's S3 requests (an UploadPart, or Create or
// Complete), named in failures by `what` ("PUT <key>").
Outcome MultipartCopies::Impl::JudgeS3(RequestKind kind,
                                       const std::string& what,
                                       const Transport::Completion& done) {
  RequestFacts facts;
  facts.kind = kind;
  facts.what = what;
  return Judge(facts, done.result, done.response, ctx->clock->WallSeconds());
}

// The first part tells the size, the ETag and whether Range is honoured.
void MultipartCopies::Impl::StartProbe(Copy* c) {
  c->job->attempts++;
  auto first = std::make_unique<Part>();
  first->number = 1;
  first->size = ctx->options.part_size;
  c->parts.push_back(std::move(first));
  c->next_fetch = 1;
  Begin(c, c->parts[0].get());
}

// Starts a part: it counts as active until uploaded. False when the copy
// ended instead (and `c` is gone).
bool MultipartCopies::Impl::Begin(Copy* c, Part* p) {
  p->active = true;
  c->active++;
  p->attempts = 1;
  if (!p->fetched) p->buffer = InflightSlot(&ctx->run.part_buffers);
  if (p->fetched) return Upload(c, p);
  Fetch(c, p);
  return true;
}

void MultipartCopies::Impl::Fetch(Copy* c, Part* p) {
  p->sink.Reset(p->size, &ctx->options.reject_types);
  if (p->sink.body.capacity() < static_cast<size_t>(p->size))
    buffers->Take(static_cast<size_t>(p->size), &p->sink.body);
  TransferRequest r = source_request(c->job->url, &p->sink);
  r.headers.emplace_back("Range", "bytes=" + std::to_string(p->offset) + "-" +
                                      std::to_string(p->offset + p->size - 1));
  p->id = Send(std::move(r), Ref{c, Index(p)});
}

bool MultipartCopies::Impl::Credentials(Copy* c, int part,
                                        AwsCredentials* out) {
  Result<AwsCredentials> creds = ctx->s3.credentials();
  if (creds.ok()) {
    *out = *creds;
    return true;
  }
  UnitFailed(c, part, StopRun(creds.status().ToString()));
  return false;
}

// False when the copy ended instead (and `c` is gone).
bool MultipartCopies::Impl::Upload(Copy* c, Part* p) {
  AwsCredentials creds;
  if (!Credentials(c, Index(p), &creds)) return false;
  std::string_view bytes = c->Bytes(*p);
  HttpRequest req = BuildUploadPart(ctx->s3.target, c->job->key, c->upload_id,
                                    p->number, bytes, Base64Encode(Md5(bytes)),
                                    creds, ctx->clock->WallSeconds());
  TransferRequest r;
  r.method = "PUT";
  r.url = std::move(req.url);
  r.headers = std::move(req.headers);
  r.body = bytes;  // held by the part (or `whole`) until it is uploaded
  r.timeout_ms = ctx->options.upload_timeout_ms;
  r.connect_timeout_ms = ctx->options.connect_timeout_ms;
  r.ca_file = ctx->options.tls.s3_ca_file;
  p->id = Send(std::move(r), Ref{c, Index(p)});
  return true;
}

// CreateMultipartUpload before the first upload, Complete after the last.
void MultipartCopies::Impl::StartControl(Copy* c) {
  AwsCredentials creds;
  if (!Credentials(c, kControl, &creds)) return;
  const S3Target& target = ctx->s3.target;
  std::time_t now = ctx->clock->WallSeconds();
  HttpRequest req;
  if (c->control == Control::kCreate) {
    PutObjectParams params;
    params.key = c->job->key;
    params.content_type = c->content_type;
    params.acl = ctx->options.acl;
    req = BuildCreateMultipartUpload(target, params, creds, now);
  } else {
    std::vector<CompletedPart> done;
    for (const auto& p : c->parts) done.push_back({p->number, p->etag});
    req = BuildCompleteMultipartUpload(target, c->job->key, c->upload_id, done,
                                       creds, now);
  }
  TransferRequest r;
  r.method = req.method;
  r.url = std::move(req.url);
  r.headers = std::move(req.headers);
  c->control_body = std::move(req.body);
  r.body = c->control_body;
  r.timeout_ms = ctx->options.upload_timeout_ms;
  r.connect_timeout_ms = ctx->options.connect_timeout_ms;
  r.ca_file = ctx->options.tls.s3_ca_file;
  c->control_id = Send(std::move(r), Ref{c, kControl});
}

void MultipartCopies::Impl::OnFetchDone(Copy* c, Part* p,
                                        const Transport::Completion& done) {
  const HttpResponse& r = done.response;
  if (!p->sink.rejected.empty()) {
    // The same source answers the same way again: no retry.
    FailObject(c,
               Failure{FailType::kSourceRejected, r.status, p->sink.rejected});
    return;
  }
  if (p->sink.overflow) {
    UnitFailed(c, Index(p),
               Retry(FailType::kSourceTransport,
                     "source sent more bytes than asked for"));
    return;
  }
  RequestFacts facts;
  facts.kind = RequestKind::kSourceRange;
  Outcome outcome = Judge(facts, done.result, r, ctx->clock->WallSeconds());
  if (outcome.kind != Outcome::Kind::kDone) {
    UnitFailed(c, Index(p), std::move(outcome));
    return;
  }
  if (c->total < 0) {
    if (!TakeFirstPart(c, p, r)) return;
  } else if (r.status != 206) {
    // The whole object again, past the first part: asked again.
    UnitFailed(c, Index(p),
               Retry(FailType::kSourceHttp, "source ignored Range (http 200)"));
    return;
  } else if (r.Header("etag") != c->first_etag ||
             multipart::TotalFromContentRange(r.Header("content-range")) !=
                 c->total) {
    FailObject(c, Failure{FailType::kSourceChanged, r.status,
                          "source changed during the copy"});
    return;
  }
  int64_t got = c->whole.empty() ? static_cast<int64_t>(p->sink.body.size())
                                 : static_cast<int64_t>(c->whole.size());
  int64_t want = c->whole.empty() ? p->size : c->total;
  if (got != want) {
    c->whole.clear();
    UnitFailed(c, Index(p),
               Retry(FailType::kSourceTransport,
                     "source truncated body (got " + std::to_string(got) +
                         " of " + std::to_string(want) + " bytes)"));
    return;
  }
  if (c->whole.empty()) p->body.swap(p->sink.body);
  p->fetched = true;
  HashInOrder(c);
  if (c->upload_id.empty()) {
    c->control = Control::kCreate;
    StartControl(c);
  } else {
    (void)Upload(c, p);  // or the copy ended
  }
}

// The first part's answer: the object's size, ETag and media type, and
// the parts to copy. False when the object failed instead.
bool MultipartCopies::Impl::TakeFirstPart(Copy* c, Part* p,
                                          const HttpResponse& r) {
  bool whole = r.status == 200;  // the source ignores Range
  c->total = whole
                 ? static_cast<int64_t>(p->sink.body.size())
                 : multipart::TotalFromContentRange(r.Header("content-range"));
  if (c->total <= 0) {
    FailObject(c, Failure{FailType::kSourceHttp, r.status,
                          "source sent no Content-Range total"});
    return false;
  }
  c->first_etag = r.Header("etag");
  c->content_type = r.Header("content-type");
  int64_t part_size = ctx->options.part_size;
  p->size = std::min(part_size, c->total);
  for (int64_t offset = part_size; offset < c->total; offset += part_size) {
    auto next = std::make_unique<Part>();
    next->number = static_cast<int>(c->parts.size()) + 1;
    next->offset = offset;
    next->size = std::min(part_size, c->total - offset);
    c->parts.push_back(std::move(next));
  }
  if (whole) {
    c->whole.swap(p->sink.body);
    if (static_cast<int64_t>(c->whole.size()) == c->total)
      for (auto& part : c->parts) part->fetched = true;
  }
  return true;
}

void MultipartCopies::Impl::OnUploadDone(Copy* c, Part* p,
                                         const Transport::Completion& done) {
  Outcome outcome =
      JudgeS3(RequestKind::kS3Put, S3What("PUT", c->job->key), done);
  if (outcome.kind != Outcome::Kind::kDone) {
    UnitFailed(c, Index(p), std::move(outcome));
    return;
  }
  p->etag = done.response.Header("etag");
  p->uploaded = true;
  c->uploaded++;
  EndActive(c, p);
  if (p->hashed) Release(p);
  if (c->uploaded == c->parts.size()) {
    Finish(c);
  } else {
    Pump(c);
  }
}

void MultipartCopies::Impl::OnControlDone(Copy* c,
                                          const Transport::Completion& done) {
  std::string what = S3What("POST", c->job->key);
  Outcome outcome = JudgeS3(RequestKind::kS3Control, what, done);
  c->control_body.clear();
  if (outcome.kind != Outcome::Kind::kDone) {
    UnitFailed(c, kControl, std::move(outcome));
    return;
  }
  if (c->control == Control::kCreate) {
    S3Result<std::string> id = ParseCreateMultipartUpload(what, done.response);
    if (!id.ok()) {
      UnitFailed(c, kControl, JudgeS3Error(id.error(), false));
      return;
    }
    c->upload_id = *id;
    c->control = Control::kNone;
    c->control_attempts = 0;
    if (Upload(c, c->parts[0].get())) Pump(c);
    return;
  }
  S3Result<std::string> etag =
      ParseCompleteMultipartUpload(what, done.response);
  if (!etag.ok()) {
    UnitFailed(c, kControl, JudgeS3Error(etag.error(), false));
    return;
  }
  ctx->limit->OnSuccess(ctx->clock->NowMs());
  ctx->sink->Succeeded(c->job->url, c->job->key,
                       static_cast<uint64_t>(c->total), "md5:" + c->digest);
  copies.erase(c);  // the job goes, and its in-flight slot with it
}

// Folds every part whose turn has come into the whole-object MD5.
void MultipartCopies::Impl::HashInOrder(Copy* c) {
  while (c->next_hash < c->parts.size() && c->parts[c->next_hash]->fetched) {
    Part* p = c->parts[c->next_hash].get();
    c->md5->Update(c->Bytes(*p));
    p->hashed = true;
    if (p->uploaded) Release(p);
    c->next_hash++;
  }
}

void MultipartCopies::Impl::Release(Part* p) {
  buffers->Give(&p->body);
  p->body = std::string();  // freed when the spares are full
  p->buffer = InflightSlot();
}

// Starts the parts that may go now (see the header for the bounds).
void MultipartCopies::Impl::Pump(Copy* c) {
  if (c->upload_id.empty() || c->control != Control::kNone) return;
  while (c->next_fetch < c->parts.size()) {
    Part* p = c->parts[c->next_fetch].get();
    // Bodies held: a part waits for every earlier one to be hashed.
    bool held = c->next_fetch >= c->next_hash + kMaxPartsPerObject;
    if (held || c->active >= kMaxPartsPerObject) return;
    if (c->active > 0) {
      if (ctx->run.in_flight.load() >= ctx->limit->limit()) return;
      if (!p->fetched &&
          ctx->run.part_buffers.load() >= ctx->options.max_part_buffers)
        return;
      p->slot = InflightSlot(&ctx->run.in_flight);
    }
    c->next_fetch++;
    if (!Begin(c, p)) return;
  }
}

// Every part is uploaded: check the whole MD5, then Complete.
void MultipartCopies::Impl::Finish(Copy* c) {
  c->digest = HexEncode(c->md5->Finish());
  std::string source_md5 = PlainMd5FromEtag(c->first_etag);
  if (!source_md5.empty() && c->digest != source_md5) {
    spdlog::debug("{}: whole MD5 {} differs from the ETag", c->job->url,
                  c->digest);
    Restart(c);
    return;
  }
  c->control = Control::kComplete;
  StartControl(c);
}

// A part is uploaded (or given up): the object's slot or its own goes.
void MultipartCopies::Impl::EndActive(Copy* c, Part* p) {
  p->active = false;
  c->active--;
  if (p->slot.held()) {
    p->slot = InflightSlot();
    return;
  }
  // It rode on the object's slot: another active part takes that over.
  for (auto& other : c->parts)
    if (other->active && other->slot.held()) {
      other->slot = InflightSlot();
      return;
    }
}

}  // namespace cfm
