#include "migrate_context.h"

#include <spdlog/spdlog.h>

#include "crypto.h"
#include "result_sink.h"

namespace cfm {

StopChanges RunControl::Tick(int signals, bool sink_stop, int64_t now_ms,
                             int64_t grace_ms) {
  StopChanges changes;
  if ((signals > 0 || sink_stop) && !stop_starting.load()) {
    stop_starting = true;
    stop_at_ms = now_ms;
    changes.stop_starting = true;
  }
  bool grace_over = stop_at_ms >= 0 && now_ms - stop_at_ms > grace_ms;
  if ((signals > 1 || grace_over) && !abort_now.load()) {
    abort_now = true;
    changes.abort_now = true;
  }
  return changes;
}

bool MigrateContext::Stopping() const {
  return run.stop_starting.load() || sink->stop_requested();
}

std::string PlainMd5FromEtag(std::string_view etag) {
  if (etag.size() == 34 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, 32);
  if (etag.size() != 32) return "";
  std::string hex;
  for (char c : etag) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return hex;
}

bool NeedsCrc32c(ChecksumMode mode, const std::string& etag) {
  return mode == ChecksumMode::kCrc32c ||
         (mode == ChecksumMode::kAuto && PlainMd5FromEtag(etag).empty());
}

bool IntegrityWithoutBody(ChecksumMode mode, const std::string& etag) {
  return mode == ChecksumMode::kNone ||
         (mode == ChecksumMode::kAuto && !PlainMd5FromEtag(etag).empty());
}

Result<Integrity> ComputeIntegrity(ChecksumMode mode, const std::string& etag,
                                   std::string_view body,
                                   const uint32_t* crc32c) {
  Integrity out;
  std::string source_md5 = PlainMd5FromEtag(etag);
  if (mode == ChecksumMode::kNone) return out;
  if (mode == ChecksumMode::kAuto && !source_md5.empty()) {
    std::string raw;
    if (!HexDecode(source_md5, &raw)) return Status::Corruption("bad ETag");
    out.content_md5 = Base64Encode(raw);
    out.record = "md5:" + source_md5;
    return out;
  }
  if (mode == ChecksumMode::kMd5) {
    std::string raw = Md5(body);
    std::string hex = HexEncode(raw);
    if (!source_md5.empty() && hex != source_md5)
      return Status::Corruption("checksum mismatch: body MD5 " + hex +
                                " differs from source ETag " + source_md5);
    out.content_md5 = Base64Encode(raw);
    out.record = "md5:" + hex;
    return out;
  }
  out.checksum_crc32c = Crc32cBase64(crc32c ? *crc32c : Crc32c(body));
  out.record = "crc32c:" + out.checksum_crc32c;
  return out;
}

Outcome ApplyUnitOutcome(MigrateContext* ctx, Outcome outcome, Job* job,
                         int* throttled) {
  if (outcome.throttled) {
    ++*throttled;
    if (ctx->limit->OnThrottle(ctx->clock->NowMs()))
      spdlog::warn("S3 is throttling; transfers in flight lowered to {}",
                   ctx->limit->limit());
  }
  if (outcome.refresh_credentials) {
    const auto& refresh = ctx->s3.refresh_credentials;
    if (!job->refreshed_credentials && refresh && refresh().ok()) {
      job->refreshed_credentials = true;
    } else {
      outcome = StopRun(outcome.stop_message);
    }
  }
  if (outcome.kind == Outcome::Kind::kStopRun)
    ctx->sink->StopRun(outcome.failure.text);
  return outcome;
}

Outcome ApplyOutcome(MigrateContext* ctx, Outcome outcome, Job* job) {
  if (outcome.refetch) job->downloaded = false;
  return ApplyUnitOutcome(ctx, std::move(outcome), job,
                          &job->throttled_attempts);
}

}  // namespace cfm
