#include "transfer_legs.h"

#include <cstdlib>

#include "crypto.h"
#include "source_answer.h"

namespace cfm {
namespace transfer {

// At the end of a GET's 200 headers: size, integrity and streaming.
void GetSink::OnHeaders(const HttpResponse& head) {
  status_ = head.status;
  if (status_ != 200) return;
  Transfer* t = t_;
  Job* job = t->job.get();
  t->rejected =
      RejectSourceAnswer(head.Header("content-encoding"),
                         head.Header("content-type"), *t->reject_types);
  if (!t->rejected.empty()) return;
  std::string etag = head.Header("etag");
  std::string length = head.Header("content-length");
  if (!length.empty()) {
    job->content_length = std::strtoll(length.c_str(), nullptr, 10);
    if (job->content_length > t->threshold) job->too_large = true;
  }
  bool header_known = IntegrityWithoutBody(t->checksum, etag);
  if (t->may_stream && job->content_length >= 0 && !job->too_large &&
      (header_known || NeedsCrc32c(t->checksum, etag))) {
    t->streaming = true;
    if (!header_known) t->chunked.emplace(job->content_length);
    t->pipe = std::make_unique<Pipe>(t->buffers->TakeRing());
    job->etag = etag;
    job->content_type = head.Header("content-type");
    t->Wake();
    return;
  }
  // CRC32C is folded in as bytes arrive, while they are still in cache.
  job->crc_running = NeedsCrc32c(t->checksum, etag);
}

BodySink::Answer GetSink::OnBody(std::string_view data) {
  if (status_ != 200) return Answer::kTaken;  // an error page: not kept
  Transfer* t = t_;
  Job* job = t->job.get();
  size_t bytes = data.size();
  if (!t->rejected.empty()) return Answer::kStop;  // not an image
  if (job->too_large) return Answer::kStop;        // copied in parts instead
  if (t->streaming && t->pipe->room() < bytes) {
    t->get_paused = true;  // the transport offers these bytes again
    return Answer::kPause;
  }
  t->received += static_cast<int64_t>(bytes);
  if (t->streaming) {
    if (t->received > job->content_length) return Answer::kStop;  // too many
    t->pipe->Write(data.data(), bytes);
    if (t->put_paused && t->PutMayGo()) t->Wake();
    return Answer::kTaken;
  }
  if (job->body.empty() && job->content_length > 0) {
    size_t size = static_cast<size_t>(job->content_length);
    if (job->body.capacity() < size) t->buffers->Take(size, &job->body);
    job->body.reserve(size);
  }
  if (t->received > t->threshold) {
    job->too_large = true;  // no Content-Length and more than the threshold
    return Answer::kStop;
  }
  job->body.append(data);
  if (job->crc_running) job->crc32c = Crc32c(data, job->crc32c);
  return Answer::kTaken;
}

long PutSource::Read(char* out, size_t n) {
  Transfer* t = t_;
  int64_t left = t->job->content_length - t->sent;
  if (static_cast<int64_t>(t->pipe->size()) <
      std::min(static_cast<int64_t>(n), left)) {
    t->put_paused = true;
    return kPause;
  }
  size_t k;
  if (t->chunked) {
    k = t->chunked->Fill(
        out, n, [t](char* dst, size_t max) { return t->pipe->Read(dst, max); });
    t->sent = t->job->content_length - t->chunked->payload_left();
  } else {
    k = t->pipe->Read(out, n);
    t->sent += static_cast<int64_t>(k);
  }
  if (t->get_paused && t->GetMayGo()) t->Wake();
  return static_cast<long>(k);
}

}  // namespace transfer
}  // namespace cfm
