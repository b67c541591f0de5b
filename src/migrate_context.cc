#include "migrate_context.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "crypto.h"
#include "result_sink.h"

namespace cfm {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
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

Verdict JudgeS3Error(MigrateContext* ctx, const S3Error& err, Job* job,
                     std::string* error, long* retry_after_ms) {
  *retry_after_ms = -1;
  spdlog::debug("{} ({})", err.status.message(),
                S3ErrorClassName(err.error_class));
  if (err.http_status == 0) {
    *error = err.status.code() == Status::Code::kTimeout
                 ? "s3 timeout"
                 : "s3 connection error (" + err.message + ")";
  } else {
    *error =
        "s3 " + (err.code.empty() ? "http " + std::to_string(err.http_status)
                                  : err.code);
  }
  switch (err.error_class) {
    case S3ErrorClass::kRetry:
      if (err.code == "SlowDown" || err.http_status == 503) {
        job->throttled_attempts++;
        if (ctx->limit->OnThrottle(NowMs()))
          spdlog::warn("S3 is throttling; transfers in flight lowered to {}",
                       ctx->limit->limit());
      }
      if (err.code == "BadDigest") job->downloaded = false;  // refetch
      return Verdict::kRetry;
    case S3ErrorClass::kFailObject:
      return Verdict::kFailObject;
    case S3ErrorClass::kRefreshCredentials:
      if (!job->refreshed_credentials && ctx->refresh_credentials &&
          ctx->refresh_credentials().ok()) {
        job->refreshed_credentials = true;
        *retry_after_ms = 0;
        return Verdict::kRetry;
      }
      break;
    case S3ErrorClass::kStopRun:
      break;
  }
  ctx->sink->StopRun(err.status.message());
  return Verdict::kStopRun;
}

}  // namespace cfm
