#include "transfer_legs.h"

#include <cctype>
#include <cstdlib>

#include "crypto.h"
#include "source_answer.h"

namespace cfm {
namespace transfer {
namespace {

long StatusFromLine(std::string_view line) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  return std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
}

// At the end of a GET's 200 headers: size, integrity and streaming.
void OnGetHeaders(Transfer* t) {
  Job* job = t->job.get();
  const HttpResponse& r = t->get.response;
  t->rejected = RejectSourceAnswer(r.Header("content-encoding"),
                                   r.Header("content-type"), *t->reject_types);
  if (!t->rejected.empty()) return;
  std::string etag = r.Header("etag");
  std::string length = r.Header("content-length");
  if (!length.empty()) {
    job->content_length = std::strtoll(length.c_str(), nullptr, 10);
    if (job->content_length > t->threshold) job->too_large = true;
  }
  if (t->may_stream && job->content_length >= 0 && !job->too_large &&
      IntegrityWithoutBody(t->checksum, etag)) {
    t->streaming = true;
    t->pipe = std::make_unique<Pipe>(t->buffers->TakeRing());
    job->etag = etag;
    job->content_type = r.Header("content-type");
    t->Wake();
    return;
  }
  // CRC32C is folded in as bytes arrive, while they are still in cache.
  job->crc_running = NeedsCrc32c(t->checksum, etag);
}

}  // namespace

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* leg = static_cast<Leg*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    leg->response.headers.clear();
    leg->response.status = StatusFromLine(line);
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
    leg->response.headers.emplace_back(std::move(name), std::string(value));
  } else if (leg->stage == Stage::kGet && leg->response.status == 200 &&
             (line == "\r\n" || line == "\n")) {
    OnGetHeaders(leg->owner);
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* leg = static_cast<Leg*>(user);
  size_t bytes = size * n;
  if (leg->stage == Stage::kPut || leg->response.status != 200) {
    if (leg->response.body.size() < kMaxErrorBody)
      leg->response.body.append(data, bytes);
    return bytes;
  }
  Transfer* t = leg->owner;
  Job* job = t->job.get();
  if (!t->rejected.empty()) return 0;  // stops the GET; not an image
  if (job->too_large) return 0;        // stops the GET; the pool takes over
  if (t->streaming && t->pipe->room() < bytes) {
    t->get_paused = true;  // curl keeps these bytes and offers them again
    return CURL_WRITEFUNC_PAUSE;
  }
  t->received += static_cast<int64_t>(bytes);
  if (t->streaming) {
    if (t->received > job->content_length) return 0;  // more than announced
    t->pipe->Write(data, bytes);
    if (t->put_paused && t->PutMayGo()) t->Wake();
    return bytes;
  }
  if (job->body.empty() && job->content_length > 0) {
    size_t size = static_cast<size_t>(job->content_length);
    if (job->body.capacity() < size) t->buffers->Take(size, &job->body);
    job->body.reserve(size);
  }
  if (t->received > t->threshold) {
    job->too_large = true;  // no Content-Length and more than the threshold
    return 0;
  }
  job->body.append(data, bytes);
  if (job->crc_running)
    job->crc32c = Crc32c(std::string_view(data, bytes), job->crc32c);
  return bytes;
}

// The streamed PUT's body: what the GET has delivered so far. curl asks no
// more than Content-Length bytes in all; the PUT pauses while less than a
// send buffer is waiting and more is to come, and if the GET fails the PUT
// is dropped unfinished, which S3 never stores.
size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t want = size * n;
  int64_t left = t->job->content_length - t->sent;
  if (static_cast<int64_t>(t->pipe->size()) <
      std::min(static_cast<int64_t>(want), left)) {
    t->put_paused = true;
    return CURL_READFUNC_PAUSE;
  }
  size_t k = t->pipe->Read(buffer, want);
  t->sent += static_cast<int64_t>(k);
  if (t->get_paused && t->GetMayGo()) t->Wake();
  return k;
}

// A failed request as a reason naming its side: `side` is "source" or
// "s3" ("source timeout", "s3 connection error (...)").
std::string TransportError(const char* side, CURLcode rc, const char* detail) {
  std::string prefix = std::string(side) + " ";
  if (rc == CURLE_OPERATION_TIMEDOUT) return prefix + "timeout";
  if (rc == CURLE_PARTIAL_FILE) return prefix + "truncated body";
  std::string text = *detail ? detail : curl_easy_strerror(rc);
  return prefix + "connection error (" + text + ")";
}

}  // namespace transfer
}  // namespace cfm
