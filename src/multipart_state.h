// Internal to multipart_copy.cc and multipart_outcome.cc: the state of one
// multipart copy (its parts, upload id, whole-object MD5), the sink a
// part's Range GET writes to, and MultipartCopies::Impl. Touched only by
// the thread of the loop that owns the copies.
#ifndef CFMIGRATE_MULTIPART_STATE_H_
#define CFMIGRATE_MULTIPART_STATE_H_

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crypto.h"
#include "http_transport.h"
#include "migrate_context.h"
#include "multipart_copy.h"
#include "s3_request.h"

namespace cfm {
namespace multipart {

// Collects a part's answer: the body of a 200 or 206 (an error page or a
// redirect hop is not kept), stopping at the first byte of an answer that
// must not be stored (`rejected`) and at more bytes than `cap`.
class PartSink : public BodySink {
 public:
  void Reset(int64_t cap, const std::vector<std::string>* reject_types);
  void OnHeaders(const HttpResponse& head) override;
  Answer OnBody(std::string_view data) override;

  std::string body;
  std::string rejected;   // why the answer is not the image ("": it is)
  bool overflow = false;  // more bytes than asked for

 private:
  long status_ = 0;
  int64_t cap_ = std::numeric_limits<int64_t>::max();
  const std::vector<std::string>* reject_types_ = nullptr;
};

// One part: fetched (Range GET), uploaded (UploadPart), hashed in order.
struct Part {
  int number = 0;  // 1-based
  int64_t offset = 0;
  int64_t size = 0;
  std::string body;       // fetched bytes (not when split from `whole`)
  bool fetched = false;   // its bytes are here
  bool hashed = false;    // folded into the whole-object MD5
  bool uploaded = false;  // S3 has it (`etag`)
  // Started and not yet uploaded (fetching, uploading or waiting to retry).
  bool active = false;
  int attempts = 0;   // fetch+upload attempts, or uploads alone
  int throttled = 0;  // of them throttled by S3
  std::string etag;   // UploadPart's, for Complete
  Transport::Id id = 0;
  PartSink sink;
  InflightSlot slot;    // a further in-flight slot (none: the object's)
  InflightSlot buffer;  // a run-wide part buffer while `body` is held
};

// What a copy's control request is for.
enum class Control { kNone, kCreate, kComplete };

struct Copy {
  std::unique_ptr<Job> job;
  int64_t total = -1;  // bytes of the object, once the first part told
  std::string first_etag;
  std::string content_type;
  std::string upload_id;
  std::string whole;  // the whole body, when the source ignored Range
  std::vector<std::unique_ptr<Part>> parts;  // stable for the sinks
  size_t next_fetch = 0;                     // the next part never started
  size_t next_hash = 0;                      // the next part to fold into `md5`
  size_t uploaded = 0;
  int active = 0;  // parts with `active` set
  std::unique_ptr<Md5Hasher> md5 = std::make_unique<Md5Hasher>();
  std::string digest;  // hex, once every part is hashed
  Control control = Control::kNone;
  Transport::Id control_id = 0;
  std::string control_body;  // Complete's XML while it is in flight
  int control_attempts = 0;
  int control_throttled = 0;

  // The bytes of `p` (a slice of `whole` when the source ignored Range).
  std::string_view Bytes(const Part& p) const {
    if (whole.empty()) return p.body;
    return std::string_view(whole).substr(static_cast<size_t>(p.offset),
                                          static_cast<size_t>(p.size));
  }
};

// "bytes 0-8388607/12582912" -> 12582912; -1 when absent or "*".
int64_t TotalFromContentRange(const std::string& value);

// What a request or a waiting retry belongs to: a part of a copy, the
// copy's control request, or (kRestart) the whole copy started again.
constexpr int kControl = -1;
constexpr int kRestart = -2;
struct Ref {
  Copy* copy = nullptr;
  int part = kControl;
};

}  // namespace multipart

// The copies of one loop: requests and answers in multipart_copy.cc,
// failures, retries, aborts and the public methods in multipart_outcome.cc.
struct MultipartCopies::Impl {
  Impl(MigrateContext* c, Transport* t, transfer::BufferPool* b,
       SourceRequestFn s)
      : ctx(c),
        transport(t),
        buffers(b),
        source_request(std::move(s)),
        rng(std::random_device{}()) {}

  void StartProbe(multipart::Copy* c);
  bool Begin(multipart::Copy* c, multipart::Part* p);
  void Fetch(multipart::Copy* c, multipart::Part* p);
  bool Upload(multipart::Copy* c, multipart::Part* p);
  void StartControl(multipart::Copy* c);
  Transport::Id Send(TransferRequest r, multipart::Ref ref);
  void OnFetchDone(multipart::Copy* c, multipart::Part* p,
                   const Transport::Completion& done);
  bool TakeFirstPart(multipart::Copy* c, multipart::Part* p,
                     const HttpResponse& r);
  void OnUploadDone(multipart::Copy* c, multipart::Part* p,
                    const Transport::Completion& done);
  Outcome JudgeS3(RequestKind kind, const std::string& what,
                  const Transport::Completion& done);
  void OnControlDone(multipart::Copy* c, const Transport::Completion& done);
  void HashInOrder(multipart::Copy* c);
  void Pump(multipart::Copy* c);
  void Finish(multipart::Copy* c);
  void EndActive(multipart::Copy* c, multipart::Part* p);
  void UnitFailed(multipart::Copy* c, int part, Outcome outcome);
  void Wait(multipart::Copy* c, int part, long delay_ms);
  void Fire(multipart::Ref ref);
  void Restart(multipart::Copy* c);
  void FailObject(multipart::Copy* c, const Failure& failure);
  void Drop(multipart::Copy* c);
  void SendAbort(multipart::Copy* c);
  bool Credentials(multipart::Copy* c, int part, AwsCredentials* out);
  // A part is uploaded and hashed: its body goes back to the loop's spares
  // (a later part or object refills it instead of faulting in fresh pages)
  // and its part-buffer slot is freed.
  void Release(multipart::Part* p);
  static int Index(const multipart::Part* p) { return p->number - 1; }

  MigrateContext* ctx;
  Transport* transport;
  transfer::BufferPool* buffers;
  SourceRequestFn source_request;
  std::unordered_map<multipart::Copy*, std::unique_ptr<multipart::Copy>> copies;
  std::unordered_map<Transport::Id, multipart::Ref> requests;
  std::multimap<int64_t, multipart::Ref> waiting;
  std::set<Transport::Id> aborts;
  std::mt19937_64 rng;
};

}  // namespace cfm

#endif  // CFMIGRATE_MULTIPART_STATE_H_
