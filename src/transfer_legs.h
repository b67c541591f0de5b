// Internal to the transfer loop (transfer_loop.cc): the state of one
// attempt at one object (a Transfer with its GET and PUT legs, the ring a
// streamed body passes through, the loop's spare buffers) and the body sink
// and source the transport calls to fill and drain it. Everything here is
// touched only by the thread of the loop that owns the Transfer; the sink
// and source never call into the transport, they ask the loop to act
// through Transfer::Wake().
#ifndef CFMIGRATE_TRANSFER_LEGS_H_
#define CFMIGRATE_TRANSFER_LEGS_H_

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws_chunked.h"
#include "http.h"
#include "http_transport.h"
#include "migrate_context.h"

namespace cfm {
namespace transfer {

// Body buffers up to this capacity are kept for reuse: fresh pages for every
// image cost more CPU (page faults, zeroing) than the copy itself.
constexpr size_t kMaxSpareBytes = 32 << 20;
// A streamed body passes through a ring this big: the GET pauses when it is
// full, the PUT waits until a whole send buffer (kSendChunk) is in it or
// the body is complete, so sends stay large.
constexpr size_t kPipeBytes = 128 << 10;
constexpr size_t kSendChunk = 64 << 10;
// The transport hands a sink at most kMaxSinkChunk bytes at once, so a GET
// paused for room resumes once the PUT has taken a send buffer.
static_assert(kPipeBytes >= kSendChunk + size_t{2} * kMaxSinkChunk);

// A fixed ring of bytes between a streamed GET and its PUT.
class Pipe {
 public:
  explicit Pipe(std::unique_ptr<char[]> buffer) : buf_(std::move(buffer)) {}
  size_t size() const { return size_; }
  size_t room() const { return kPipeBytes - size_; }
  // Requires n <= room().
  void Write(const char* data, size_t n) {
    size_t tail = (head_ + size_) % kPipeBytes;
    size_t first = std::min(n, kPipeBytes - tail);
    std::memcpy(buf_.get() + tail, data, first);
    std::memcpy(buf_.get(), data + first, n - first);
    size_ += n;
  }
  // Copies up to n bytes (fewer at the ring's end); returns how many.
  size_t Read(char* out, size_t n) {
    size_t k = std::min({n, size_, kPipeBytes - head_});
    std::memcpy(out, buf_.get() + head_, k);
    head_ = (head_ + k) % kPipeBytes;
    size_ -= k;
    return k;
  }
  std::unique_ptr<char[]> Release() { return std::move(buf_); }

 private:
  std::unique_ptr<char[]> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

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

  // Rings of kPipeBytes for streamed bodies.
  std::vector<std::unique_ptr<char[]>> rings;

  std::unique_ptr<char[]> TakeRing() {
    if (rings.empty())  // not zeroed: every byte is written before read
      return std::unique_ptr<char[]>(new char[kPipeBytes]);
    std::unique_ptr<char[]> ring = std::move(rings.back());
    rings.pop_back();
    return ring;
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

struct Transfer;

// One request of a transfer: the GET from the source or the PUT to S3.
struct Leg {
  Transfer* owner = nullptr;
  Stage stage = Stage::kGet;
  Transport::Id id = 0;  // 0 when not in flight
  bool done = false;     // finished since it was started (result set)
  TransportResult result;
  HttpResponse response;  // status and headers; body only for S3 errors
};

// The GET's body sink: collects the status and headers; at the end of a
// 200's headers decides size, integrity, streaming, and whether the answer
// may be stored at all (Transfer::rejected). A 200's body goes to
// job->body or the pipe. Stops the GET for a rejected answer, an object
// over the threshold and more bytes than announced.
class GetSink : public BodySink {
 public:
  explicit GetSink(Transfer* t) : t_(t) {}
  void OnHeaders(const HttpResponse& head) override;
  Answer OnBody(std::string_view data) override;

 private:
  Transfer* t_;
  long status_ = 0;
};

// A streamed PUT's body: what the GET has delivered so far. The transport
// asks no more than Content-Length bytes in all; the PUT pauses while less
// than a send buffer is waiting and more is to come, and if the GET fails
// the PUT is dropped unfinished, which S3 never stores.
class PutSource : public BodySource {
 public:
  explicit PutSource(Transfer* t) : t_(t) {}
  long Read(char* out, size_t n) override;

 private:
  Transfer* t_;
};

// One attempt at one object. Buffered: the GET fills job->body, then the
// PUT sends it (a retry can redo the PUT alone). Streamed, when the source
// sent Content-Length and S3 is reached over https: the PUT starts as soon
// as the GET's headers are in and reads the body from `pipe` as it arrives,
// so no whole body is held, and a retry redoes both requests. S3 checks the
// bytes against the Content-MD5 an ETag gave, or (`chunked`) against the
// CRC32C computed as they pass and sent after them as a trailer.
struct Transfer {
  std::unique_ptr<Job> job;
  Leg get, put;
  GetSink sink{this};
  PutSource source{this};
  int64_t threshold = 0;
  ChecksumMode checksum = ChecksumMode::kAuto;
  const std::vector<std::string>* reject_types = nullptr;
  // Why the source's 200 must not be stored (RejectSourceAnswer); the GET
  // is stopped at its first body byte and the object failed.
  std::string rejected;
  BufferPool* buffers = nullptr;
  int64_t received = 0;  // body bytes of this GET so far
  bool may_stream = false;
  bool streaming = false;
  // Streamed: when S3 must have answered the PUT (0: the GET is running).
  int64_t put_deadline_ms = 0;
  std::unique_ptr<Pipe> pipe;  // streamed bytes not yet read by the PUT
  // Streamed with its CRC32C as a trailer (no integrity header from the
  // source's ETag): frames what the PUT reads from `pipe`.
  std::optional<AwsChunkedEncoder> chunked;
  int64_t sent = 0;         // bytes handed to the PUT
  bool put_paused = false;  // the PUT waits for bytes
  bool get_paused = false;  // the GET waits for room in the pipe
  // Set when the loop must start the PUT, or resume the PUT or the GET,
  // after the transport returns (sinks do not call into it).
  bool wake = false;
  std::vector<Transfer*>* woken = nullptr;

  // A waiting PUT may go on: a whole send buffer is in, or the rest.
  bool PutMayGo() const {
    return pipe->size() >= kSendChunk || received == job->content_length;
  }
  // A GET paused for room may go on.
  bool GetMayGo() const { return pipe->room() >= kPipeBytes / 2; }

  void Wake() {
    if (wake) return;
    wake = true;
    woken->push_back(this);
  }
};

}  // namespace transfer
}  // namespace cfm

#endif  // CFMIGRATE_TRANSFER_LEGS_H_
