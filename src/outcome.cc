#include "outcome.h"

#include <spdlog/spdlog.h>

#include "retry_policy.h"
#include "source_answer.h"

namespace cfm {
namespace {

bool IsSource(RequestKind kind) {
  return kind == RequestKind::kSourceGet || kind == RequestKind::kSourceRange;
}

Outcome JudgeSourceTransport(const RequestFacts& facts,
                             const TransportResult& t) {
  switch (t.error) {
    case TransportError::kMalformedUrl:
      return Fail(FailType::kMalformedUrl, "malformed url: " + t.detail);
    case TransportError::kTooManyRedirects:
      return Fail(FailType::kSourceRedirects,
                  "source redirected more than " +
                      std::to_string(kMaxSourceRedirects) + " times");
    case TransportError::kTimeout:
      if (facts.paused_for_s3)
        return Retry(FailType::kS3Transport,
                     "s3 timeout (not taking the body)");
      break;
    default:
      break;
  }
  return Retry(FailType::kSourceTransport, TransportFailureText("source", t));
}

Outcome JudgeSource(const RequestFacts& facts, const TransportResult& t,
                    const HttpResponse& answer, std::time_t now) {
  if (!t.ok()) return JudgeSourceTransport(facts, t);
  long status = answer.status;
  if (status == 200 ||
      (status == 206 && facts.kind == RequestKind::kSourceRange))
    return Outcome();
  std::string text = "source http " + std::to_string(status);
  if (ClassifySourceStatus(status) == Verdict::kFailObject) {
    FailType type = status == 404 || status == 410 ? FailType::kSourceGone
                                                   : FailType::kSourceHttp;
    return Fail(type, std::move(text), status);
  }
  Outcome out = Retry(FailType::kSourceHttp, std::move(text),
                      ParseRetryAfterMs(answer.Header("retry-after"), now));
  out.failure.http_status = status;
  return out;
}

Outcome JudgeS3(const RequestFacts& facts, const TransportResult& t,
                const HttpResponse& answer, std::time_t now) {
  if (t.error == TransportError::kTlsUntrusted)
    // Every request would fail the same way: the run's set-up is wrong.
    return StopRun("the S3 endpoint's TLS certificate is not trusted (" +
                   t.detail + "); AWS_CA_BUNDLE names the CA file to trust");
  // S3 may answer an error before reading a streamed body and close: its
  // answer, when one came, says more than the failed send.
  if (!t.ok() && answer.status < 300)
    return Retry(FailType::kS3Transport, TransportFailureText("s3", t));
  if (answer.status >= 200 && answer.status < 300) return Outcome();
  Outcome out = JudgeS3Error(S3ErrorFromResponse(facts.what, answer),
                             facts.md5_from_source_etag);
  if (out.kind == Outcome::Kind::kRetry && out.retry_after_ms < 0)
    out.retry_after_ms = ParseRetryAfterMs(answer.Header("retry-after"), now);
  return out;
}

}  // namespace

Outcome Retry(FailType type, std::string text, long retry_after_ms) {
  Outcome out;
  out.kind = Outcome::Kind::kRetry;
  out.failure.type = type;
  out.failure.text = std::move(text);
  out.retry_after_ms = retry_after_ms;
  return out;
}

Outcome Fail(FailType type, std::string text, long http_status) {
  Outcome out;
  out.kind = Outcome::Kind::kFail;
  out.failure = Failure{type, http_status, std::move(text)};
  return out;
}

Outcome StopRun(std::string message) {
  Outcome out;
  out.kind = Outcome::Kind::kStopRun;
  out.failure = Failure{FailType::kStopRun, 0, std::move(message)};
  return out;
}

std::string TransportFailureText(std::string_view side,
                                 const TransportResult& transport) {
  std::string prefix = std::string(side) + " ";
  if (transport.error == TransportError::kTimeout) return prefix + "timeout";
  if (transport.error == TransportError::kTruncated)
    return prefix + "truncated body";
  return prefix + "connection error (" + transport.detail + ")";
}

Outcome JudgeS3Error(const S3Error& err, bool md5_from_source_etag) {
  spdlog::debug("{} ({})", err.status.message(),
                S3ErrorClassName(err.error_class));
  std::string text;
  if (err.http_status == 0) {
    text = err.status.code() == Status::Code::kTimeout
               ? "s3 timeout"
               : "s3 connection error (" + err.message + ")";
  } else {
    text = "s3 " + (err.code.empty() ? "http " + std::to_string(err.http_status)
                                     : err.code);
  }
  FailType type = err.http_status == 0 ? FailType::kS3Transport : FailType::kS3;
  switch (err.error_class) {
    case S3ErrorClass::kRetry: {
      if (err.code == "BadDigest" && md5_from_source_etag)
        text = "source checksum mismatch (s3 BadDigest)";
      Outcome out = Retry(type, std::move(text));
      out.failure.http_status = err.http_status;
      out.throttled = err.code == "SlowDown" || err.http_status == 503;
      out.refetch = err.code == "BadDigest";
      return out;
    }
    case S3ErrorClass::kFailObject:
      return Fail(type, std::move(text), err.http_status);
    case S3ErrorClass::kRefreshCredentials: {
      Outcome out = Retry(type, std::move(text), 0);
      out.refresh_credentials = true;
      out.stop_message = err.status.message();
      return out;
    }
    case S3ErrorClass::kStopRun:
      break;
  }
  return StopRun(err.status.message());
}

Outcome Judge(const RequestFacts& facts, const TransportResult& transport,
              const HttpResponse& answer, std::time_t now) {
  if (IsSource(facts.kind)) return JudgeSource(facts, transport, answer, now);
  return JudgeS3(facts, transport, answer, now);
}

}  // namespace cfm
