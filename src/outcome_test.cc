#include "outcome.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace cfm {
namespace {

using Kind = Outcome::Kind;

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
      {Source(), {}, MakeAnswer(200), Kind::kDone, FailType::kS3, ""},
      {Source(),
       {},
       MakeAnswer(404),
       Kind::kFail,
       FailType::kSourceGone,
       "source http 404"},
      {Source(),
       {},
       MakeAnswer(410),
       Kind::kFail,
       FailType::kSourceGone,
       "source http 410"},
      {Source(),
       {},
       MakeAnswer(403),
       Kind::kFail,
       FailType::kSourceHttp,
       "source http 403"},
      {Source(),
       {},
       MakeAnswer(503),
       Kind::kRetry,
       FailType::kSourceHttp,
       "source http 503"},
      {Source(),
       {},
       MakeAnswer(429),
       Kind::kRetry,
       FailType::kSourceHttp,
       "source http 429"},
      {Source(),
       {},
       MakeAnswer(408),
       Kind::kRetry,
       FailType::kSourceHttp,
       "source http 408"},
      // A Range request expects 206; a plain GET does not.
      {RequestFacts{RequestKind::kSourceRange, "", false, false},
       {},
       MakeAnswer(206),
       Kind::kDone,
       FailType::kS3,
       ""},
      {Source(),
       {},
       MakeAnswer(206),
       Kind::kFail,
       FailType::kSourceHttp,
       "source http 206"},
      // No whole answer from the source.
      {Source(), Broken(TransportError::kTimeout), MakeAnswer(200),
       Kind::kRetry, FailType::kSourceTransport, "source timeout"},
      {Source(true), Broken(TransportError::kTimeout), MakeAnswer(200),
       Kind::kRetry, FailType::kS3Transport,
       "s3 timeout (not taking the body)"},
      {Source(), Broken(TransportError::kTruncated), MakeAnswer(200),
       Kind::kRetry, FailType::kSourceTransport, "source truncated body"},
      {Source(), Broken(TransportError::kConnection, "Connection reset"),
       MakeAnswer(200), Kind::kRetry, FailType::kSourceTransport,
       "source connection error (Connection reset)"},
      {Source(), Broken(TransportError::kTlsUntrusted, "bad cert"),
       MakeAnswer(0), Kind::kRetry, FailType::kSourceTransport,
       "source connection error (bad cert)"},
      {Source(), Broken(TransportError::kMalformedUrl, "bad port"),
       MakeAnswer(0), Kind::kFail, FailType::kMalformedUrl,
       "malformed url: bad port"},
      {Source(), Broken(TransportError::kTooManyRedirects), MakeAnswer(301),
       Kind::kFail, FailType::kSourceRedirects,
       "source redirected more than 5 times"},
      // S3.
      {Put(), {}, MakeAnswer(200), Kind::kDone, FailType::kS3, ""},
      {Put(),
       {},
       MakeAnswer(503, S3Xml("SlowDown")),
       Kind::kRetry,
       FailType::kS3,
       "s3 SlowDown"},
      {Put(),
       {},
       MakeAnswer(500, S3Xml("InternalError")),
       Kind::kRetry,
       FailType::kS3,
       "s3 InternalError"},
      {Put(),
       {},
       MakeAnswer(400, S3Xml("BadDigest")),
       Kind::kRetry,
       FailType::kS3,
       "s3 BadDigest"},
      {Put(true),
       {},
       MakeAnswer(400, S3Xml("BadDigest")),
       Kind::kRetry,
       FailType::kS3,
       "source checksum mismatch (s3 BadDigest)"},
      {Put(),
       {},
       MakeAnswer(400, S3Xml("InvalidArgument")),
       Kind::kFail,
       FailType::kS3,
       "s3 InvalidArgument"},
      {Put(), {}, MakeAnswer(400), Kind::kFail, FailType::kS3, "s3 BadRequest"},
      {Put(),
       {},
       MakeAnswer(403, S3Xml("AccessDenied")),
       Kind::kStopRun,
       FailType::kStopRun,
       "PUT images/a.jpg: 403 AccessDenied: m (request id R)"},
      {Put(), Broken(TransportError::kTimeout), MakeAnswer(0), Kind::kRetry,
       FailType::kS3Transport, "s3 timeout"},
      {Put(), Broken(TransportError::kConnection, "Broken pipe"), MakeAnswer(0),
       Kind::kRetry, FailType::kS3Transport,
       "s3 connection error (Broken pipe)"},
      // S3 answered before it read the whole body: its answer counts.
      {Put(), Broken(TransportError::kConnection, "Broken pipe"),
       MakeAnswer(403, S3Xml("AccessDenied")), Kind::kStopRun,
       FailType::kStopRun,
       "PUT images/a.jpg: 403 AccessDenied: m (request id R)"},
      {Put(), Broken(TransportError::kTlsUntrusted, "self-signed"),
       MakeAnswer(0), Kind::kStopRun, FailType::kStopRun,
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
  Outcome slow = Judge(Put(), {}, MakeAnswer(503, S3Xml("SlowDown")), 0);
  EXPECT_TRUE(slow.throttled);
  EXPECT_FALSE(slow.refetch);
  Outcome plain503 = Judge(Put(), {}, MakeAnswer(503), 0);
  EXPECT_TRUE(plain503.throttled);
  Outcome internal =
      Judge(Put(), {}, MakeAnswer(500, S3Xml("InternalError")), 0);
  EXPECT_FALSE(internal.throttled);
  Outcome digest = Judge(Put(), {}, MakeAnswer(400, S3Xml("BadDigest")), 0);
  EXPECT_TRUE(digest.refetch);
  EXPECT_FALSE(digest.throttled);
}

TEST(OutcomeTest, ExpiredTokenAsksForOneRefresh) {
  Outcome o = Judge(Put(), {}, MakeAnswer(400, S3Xml("ExpiredToken")), 0);
  EXPECT_EQ(o.kind, Kind::kRetry);
  EXPECT_TRUE(o.refresh_credentials);
  EXPECT_EQ(o.retry_after_ms, 0);
  EXPECT_EQ(o.failure.text, "s3 ExpiredToken");
  EXPECT_NE(o.stop_message.find("ExpiredToken"), std::string::npos);
}

TEST(OutcomeTest, RetryAfterIsHonouredOnBothSides) {
  Outcome source = Judge(
      Source(), {}, MakeAnswer(503, "", {{"retry-after", "7"}}), 1700000000);
  EXPECT_EQ(source.retry_after_ms, 7000);
  Outcome s3 = Judge(Put(), {},
                     MakeAnswer(503, S3Xml("SlowDown"), {{"retry-after", "3"}}),
                     1700000000);
  EXPECT_EQ(s3.retry_after_ms, 3000);
  Outcome none = Judge(Source(), {}, MakeAnswer(503), 1700000000);
  EXPECT_EQ(none.retry_after_ms, -1);
}

}  // namespace
}  // namespace cfm
