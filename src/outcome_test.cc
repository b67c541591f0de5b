#include "outcome.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

using Kind = Outcome::Kind;

HttpResponse Answer(long status, std::string body = "",
                    std::vector<std::pair<std::string, std::string>> h = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(h);
  return r;
}

std::string S3Xml(const std::string& code) {
  return "<?xml version=\"1.0\"?><Error><Code>" + code +
         "</Code><Message>m</Message><RequestId>R</RequestId></Error>";
}

TransportResult Broken(TransportError e, std::string detail = "reset") {
  return TransportResult{e, std::move(detail)};
}

RequestFacts Source(bool paused = false) {
  RequestFacts f;
  f.kind = RequestKind::kSourceGet;
  f.paused_for_s3 = paused;
  return f;
}

RequestFacts Put(bool md5_from_source = false) {
  RequestFacts f;
  f.kind = RequestKind::kS3Put;
  f.what = "PUT images/a.jpg";
  f.md5_from_source_etag = md5_from_source;
  return f;
}

struct Row {
  RequestFacts facts;
  TransportResult transport;
  HttpResponse answer;
  Kind kind;
  FailType type;
  std::string text;
};

TEST(OutcomeTest, Table) {
  const Row rows[] = {
      // The source: 200 done; gone, other 4xx fail; 5xx, 408, 429 retry.
      {Source(), {}, Answer(200), Kind::kDone, FailType::kS3, ""},
      {Source(),
       {},
       Answer(404),
       Kind::kFail,
       FailType::kSourceGone,
       "source http 404"},
      {Source(),
       {},
       Answer(410),
       Kind::kFail,
       FailType::kSourceGone,
       "source http 410"},
      {Source(),
       {},
       Answer(403),
       Kind::kFail,
       FailType::kSourceHttp,
       "source http 403"},
      {Source(),
       {},
       Answer(503),
       Kind::kRetry,
       FailType::kSourceHttp,
       "source http 503"},
      {Source(),
       {},
       Answer(429),
       Kind::kRetry,
       FailType::kSourceHttp,
       "source http 429"},
      {Source(),
       {},
       Answer(408),
       Kind::kRetry,
       FailType::kSourceHttp,
       "source http 408"},
      // A Range request expects 206; a plain GET does not.
      {RequestFacts{RequestKind::kSourceRange, "", false, false},
       {},
       Answer(206),
       Kind::kDone,
       FailType::kS3,
       ""},
      {Source(),
       {},
       Answer(206),
       Kind::kFail,
       FailType::kSourceHttp,
       "source http 206"},
      // No whole answer from the source.
      {Source(), Broken(TransportError::kTimeout), Answer(200), Kind::kRetry,
       FailType::kSourceTransport, "source timeout"},
      {Source(true), Broken(TransportError::kTimeout), Answer(200),
       Kind::kRetry, FailType::kS3Transport,
       "s3 timeout (not taking the body)"},
      {Source(), Broken(TransportError::kTruncated), Answer(200), Kind::kRetry,
       FailType::kSourceTransport, "source truncated body"},
      {Source(), Broken(TransportError::kConnection, "Connection reset"),
       Answer(200), Kind::kRetry, FailType::kSourceTransport,
       "source connection error (Connection reset)"},
      {Source(), Broken(TransportError::kTlsUntrusted, "bad cert"), Answer(0),
       Kind::kRetry, FailType::kSourceTransport,
       "source connection error (bad cert)"},
      {Source(), Broken(TransportError::kMalformedUrl, "bad port"), Answer(0),
       Kind::kFail, FailType::kMalformedUrl, "malformed url: bad port"},
      {Source(), Broken(TransportError::kTooManyRedirects), Answer(301),
       Kind::kFail, FailType::kSourceRedirects,
       "source redirected more than 5 times"},
      // S3.
      {Put(), {}, Answer(200), Kind::kDone, FailType::kS3, ""},
      {Put(),
       {},
       Answer(503, S3Xml("SlowDown")),
       Kind::kRetry,
       FailType::kS3,
       "s3 SlowDown"},
      {Put(),
       {},
       Answer(500, S3Xml("InternalError")),
       Kind::kRetry,
       FailType::kS3,
       "s3 InternalError"},
      {Put(),
       {},
       Answer(400, S3Xml("BadDigest")),
       Kind::kRetry,
       FailType::kS3,
       "s3 BadDigest"},
      {Put(true),
       {},
       Answer(400, S3Xml("BadDigest")),
       Kind::kRetry,
       FailType::kS3,
       "source checksum mismatch (s3 BadDigest)"},
      {Put(),
       {},
       Answer(400, S3Xml("InvalidArgument")),
       Kind::kFail,
       FailType::kS3,
       "s3 InvalidArgument"},
      {Put(), {}, Answer(400), Kind::kFail, FailType::kS3, "s3 BadRequest"},
      {Put(),
       {},
       Answer(403, S3Xml("AccessDenied")),
       Kind::kStopRun,
       FailType::kStopRun,
       "PUT images/a.jpg: 403 AccessDenied: m (request id R)"},
      {Put(), Broken(TransportError::kTimeout), Answer(0), Kind::kRetry,
       FailType::kS3Transport, "s3 timeout"},
      {Put(), Broken(TransportError::kConnection, "Broken pipe"), Answer(0),
       Kind::kRetry, FailType::kS3Transport,
       "s3 connection error (Broken pipe)"},
      // S3 answered before it read the whole body: its answer counts.
      {Put(), Broken(TransportError::kConnection, "Broken pipe"),
       Answer(403, S3Xml("AccessDenied")), Kind::kStopRun, FailType::kStopRun,
       "PUT images/a.jpg: 403 AccessDenied: m (request id R)"},
      {Put(), Broken(TransportError::kTlsUntrusted, "self-signed"), Answer(0),
       Kind::kStopRun, FailType::kStopRun,
       "the S3 endpoint's TLS certificate is not trusted (self-signed); "
       "AWS_CA_BUNDLE names the CA file to trust"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text + " / status " + std::to_string(row.answer.status));
    Outcome o = Judge(row.facts, row.transport, row.answer, 1700000000);
    EXPECT_EQ(o.kind, row.kind);
    if (row.kind == Kind::kDone) continue;
    EXPECT_EQ(o.failure.type, row.type);
    EXPECT_EQ(o.failure.text, row.text);
  }
}

TEST(OutcomeTest, ThrottlingAndRefetchFlags) {
  Outcome slow = Judge(Put(), {}, Answer(503, S3Xml("SlowDown")), 0);
  EXPECT_TRUE(slow.throttled);
  EXPECT_FALSE(slow.refetch);
  Outcome plain503 = Judge(Put(), {}, Answer(503), 0);
  EXPECT_TRUE(plain503.throttled);
  Outcome internal = Judge(Put(), {}, Answer(500, S3Xml("InternalError")), 0);
  EXPECT_FALSE(internal.throttled);
  Outcome digest = Judge(Put(), {}, Answer(400, S3Xml("BadDigest")), 0);
  EXPECT_TRUE(digest.refetch);
  EXPECT_FALSE(digest.throttled);
}

TEST(OutcomeTest, ExpiredTokenAsksForOneRefresh) {
  Outcome o = Judge(Put(), {}, Answer(400, S3Xml("ExpiredToken")), 0);
  EXPECT_EQ(o.kind, Kind::kRetry);
  EXPECT_TRUE(o.refresh_credentials);
  EXPECT_EQ(o.retry_after_ms, 0);
  EXPECT_EQ(o.failure.text, "s3 ExpiredToken");
  EXPECT_NE(o.stop_message.find("ExpiredToken"), std::string::npos);
}

TEST(OutcomeTest, RetryAfterIsHonouredOnBothSides) {
  Outcome source =
      Judge(Source(), {}, Answer(503, "", {{"retry-after", "7"}}), 1700000000);
  EXPECT_EQ(source.retry_after_ms, 7000);
  Outcome s3 =
      Judge(Put(), {}, Answer(503, S3Xml("SlowDown"), {{"retry-after", "3"}}),
            1700000000);
  EXPECT_EQ(s3.retry_after_ms, 3000);
  Outcome none = Judge(Source(), {}, Answer(503), 1700000000);
  EXPECT_EQ(none.retry_after_ms, -1);
}

}  // namespace
}  // namespace cfm
