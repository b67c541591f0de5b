// The copy loop driven by a scripted transport and a fake clock: every
// fault case runs in milliseconds of real time, with exact timings.
#include "transfer_loop.h"

#include <gtest/gtest.h>

#include "aws_chunked.h"
#include "engine_test_rig.h"

namespace cfm {
namespace {

const char kUrl[] = "http://src/a.jpg";
const char kPut[] = "PUT https://s3.test/bucket/images/a.jpg";

std::string Body(size_t n) {
  std::string b(n, '\0');
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>('a' + i % 23);
  return b;
}

void ExpectDone(const EngineRig& rig, const std::string& body) {
  EXPECT_NE(rig.Completed().find(std::string(kUrl) + "\timages/a.jpg\t" +
                                 std::to_string(body.size()) +
                                 "\tmd5:" + HexEncode(Md5(body))),
            std::string::npos)
      << rig.Completed();
  EXPECT_EQ(rig.Failed(), "");
  EXPECT_EQ(rig.ctx.run.retrying.load(), 0);
}

TEST(TransferLoopTest, StreamsAnObjectIntoS3AndRecordsIt) {
  EngineRig rig;
  std::string body = Body(5000);
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg", {Image(body)});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  ExpectDone(rig, body);
  auto get = rig.Seen("GET ");
  ASSERT_EQ(get.size(), 1u);
  EXPECT_EQ(get[0].Header("Accept-Encoding"), "identity");
  EXPECT_EQ(get[0].max_redirects, 5);
  EXPECT_EQ(get[0].ca_file, "/source-ca.pem");
  auto put = rig.Seen("PUT ");
  ASSERT_EQ(put.size(), 1u);
  EXPECT_EQ(put[0].body, body);  // streamed through the ring
  EXPECT_EQ(put[0].ca_file, "/s3-ca.pem");
  EXPECT_EQ(put[0].Header("Content-MD5"), Base64Encode(Md5(body)));
  EXPECT_EQ(put[0].Header("Content-Type"), "image/jpeg");
  EXPECT_EQ(rig.sink.succeeded(), 1u);
}

// What S3 should receive for `body` sent aws-chunked with its CRC32C.
std::string Chunked(const std::string& body) {
  AwsChunkedEncoder enc(static_cast<int64_t>(body.size()));
  std::string wire(static_cast<size_t>(AwsChunkedEncoder::EncodedLength(
                       static_cast<int64_t>(body.size()))),
                   '\0');
  size_t taken = 0;
  size_t k = enc.Fill(wire.data(), wire.size(), [&](char* dst, size_t max) {
    size_t n = body.copy(dst, max, taken);
    taken += n;
    return n;
  });
  EXPECT_EQ(k, wire.size());
  return wire;
}

TEST(TransferLoopTest, AnEtagThatIsNoMd5StreamsWithItsCrc32cAsATrailer) {
  EngineRig rig;
  std::string body = Body(1 << 20);  // several rings' worth
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer weak = Image(body);
  weak.headers[2].second = "W/\"5f3a-1b2c\"";  // nginx's, for instance
  rig.net->Script("GET http://src/a.jpg", {weak});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  std::string crc = Crc32cBase64(Crc32c(body));
  EXPECT_NE(
      rig.Completed().find(std::string(kUrl) + "\timages/a.jpg\t" +
                           std::to_string(body.size()) + "\tcrc32c:" + crc),
      std::string::npos)
      << rig.Completed();
  auto put = rig.Seen("PUT ");
  ASSERT_EQ(put.size(), 1u);
  EXPECT_EQ(put[0].body, Chunked(body));
  EXPECT_NE(
      put[0].body.rfind("\r\n0\r\nx-amz-checksum-crc32c:" + crc + "\r\n\r\n"),
      std::string::npos);
  EXPECT_EQ(put[0].Header("Content-Encoding"), "aws-chunked");
  EXPECT_EQ(put[0].Header("x-amz-decoded-content-length"),
            std::to_string(body.size()));
  EXPECT_EQ(put[0].Header("Content-MD5"), "");
  EXPECT_EQ(put[0].Header("x-amz-checksum-crc32c"), "");  // not in the head
  EXPECT_GT(rig.net->sink_pauses, 0);  // streamed: the ring was full
  EXPECT_EQ(rig.Seen("GET ").size(), 1u);
}

TEST(TransferLoopTest, ATrailerStreamWhoseGetBreaksIsDroppedAndRedone) {
  EngineRig rig;
  std::string body = Body(300 << 10);
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer weak = Image(body);
  weak.headers[2].second = "\"5f3a-1b2c\"";
  FakeAnswer reset = weak;
  reset.cut_after = 100 << 10;
  reset.error = TransportError::kConnection;
  reset.detail = "Connection reset by peer";
  rig.net->Script("GET http://src/a.jpg", {reset, weak});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  auto put = rig.Seen("PUT ");
  ASSERT_EQ(put.size(), 2u);
  // The first PUT never got its last chunk nor the trailer: S3 stores
  // nothing short of Content-Length.
  EXPECT_LT(put[0].body.size(), body.size());
  EXPECT_EQ(put[0].body.find("x-amz-checksum-crc32c:"), std::string::npos);
  EXPECT_EQ(put[1].body, Chunked(body));
  EXPECT_GE(rig.net->cancels, 1);
  EXPECT_EQ(rig.sink.succeeded(), 1u);
  EXPECT_EQ(rig.Failed(), "");
}

TEST(TransferLoopTest, ChecksumMd5KeepsTheWholeBodyToCompareItsMd5) {
  EngineRig rig;
  rig.ctx.options.checksum = ChecksumMode::kMd5;
  std::string body = Body(300 << 10);
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg", {Image(body)});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  ExpectDone(rig, body);
  auto put = rig.Seen("PUT ");
  ASSERT_EQ(put.size(), 1u);
  EXPECT_EQ(put[0].body, body);
  EXPECT_EQ(put[0].Header("Content-Encoding"), "");
  EXPECT_EQ(rig.net->sink_pauses, 0);  // held whole, not streamed
}

TEST(TransferLoopTest, Source503TwiceThenOkBacksOff1sThen2s) {
  EngineRig rig;
  std::string body = Body(100);
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg",
                  {Reply(503), Reply(503), Image(body)});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  ExpectDone(rig, body);
  auto get = rig.Seen("GET ");
  ASSERT_EQ(get.size(), 3u);
  int64_t first = get[1].started_ms - get[0].started_ms;
  int64_t second = get[2].started_ms - get[1].started_ms;
  EXPECT_GE(first, 500);  // 1 s with jitter in [0.5, 1.5)
  EXPECT_LT(first, 1500);
  EXPECT_GE(second, 1000);  // 2 s with jitter
  EXPECT_LT(second, 3000);
}

TEST(TransferLoopTest, RetryAfterWinsOverBackoff) {
  EngineRig rig;
  std::string body = Body(100);
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer busy = Reply(503);
  busy.headers = {{"retry-after", "7"}};
  rig.net->Script("GET http://src/a.jpg", {busy, Image(body)});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  ExpectDone(rig, body);
  auto get = rig.Seen("GET ");
  ASSERT_EQ(get.size(), 2u);
  EXPECT_EQ(get[1].started_ms - get[0].started_ms, 7000);
}

TEST(TransferLoopTest, RetriesRunOutWithTheLastReason) {
  EngineRig rig;
  rig.ctx.options.max_retries = 3;
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg", {Reply(503)});
  rig.Run();
  EXPECT_EQ(rig.Seen("GET ").size(), 4u);
  EXPECT_EQ(rig.Failed(),
            std::string(kUrl) + "\tsource http 503 after 4 attempts\n");
  EXPECT_EQ(rig.Completed().find(kUrl), std::string::npos);
  EXPECT_EQ(rig.sink.failed(), 1u);
}

TEST(TransferLoopTest, NotFoundFailsAtOnce) {
  EngineRig rig;
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg", {Reply(404)});
  rig.Run();
  EXPECT_EQ(rig.Seen("GET ").size(), 1u);
  EXPECT_EQ(rig.Failed(), std::string(kUrl) + "\tsource http 404\n");
}

TEST(TransferLoopTest, ErrorPageInPlaceOfTheImageIsNotStored) {
  EngineRig rig;
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer page = Image("<html>gone</html>");
  page.headers[1].second = "text/html; charset=utf-8";
  rig.net->Script("GET http://src/a.jpg", {page});
  rig.Run();
  EXPECT_EQ(rig.Seen("GET ").size(), 1u);
  EXPECT_EQ(rig.Seen("PUT ").size(), 0u);
  EXPECT_EQ(rig.Failed(), std::string(kUrl) + "\tsource answered text/html\n");
}

TEST(TransferLoopTest, ResetMidBodyDropsTheStreamedPutAndRetries) {
  EngineRig rig;
  std::string body = Body(300 << 10);
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer reset = Image(body);
  reset.cut_after = 100 << 10;
  reset.error = TransportError::kConnection;
  reset.detail = "Connection reset by peer";
  rig.net->Script("GET http://src/a.jpg", {reset, Image(body)});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  ExpectDone(rig, body);
  EXPECT_EQ(rig.Seen("GET ").size(), 2u);
  auto put = rig.Seen("PUT ");
  ASSERT_EQ(put.size(), 2u);
  EXPECT_LT(put[0].body.size(), body.size());  // dropped unfinished
  EXPECT_EQ(put[1].body, body);
  EXPECT_GE(rig.net->cancels, 1);
}

TEST(TransferLoopTest, ResetEveryTimeIsRecordedAsAConnectionError) {
  EngineRig rig;
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer reset = Image(Body(1000));
  reset.cut_after = 10;
  reset.error = TransportError::kConnection;
  reset.detail = "Connection reset by peer";
  rig.net->Script("GET http://src/a.jpg", {reset});
  rig.Run();
  EXPECT_EQ(rig.Failed(),
            std::string(kUrl) +
                "\tsource connection error (Connection reset by peer) after "
                "4 attempts\n");
}

TEST(TransferLoopTest, ShortBodyIsRetried) {
  EngineRig rig(4, "http");  // buffered: no streaming over http
  std::string body = Body(1000);
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer shorter = Image(body);
  shorter.cut_after = 500;  // the connection closed "cleanly" early
  rig.net->Script("GET http://src/a.jpg", {shorter, shorter, Image(body)});
  rig.net->Script("PUT http://s3.test/bucket/images/a.jpg", {Reply(200)});
  rig.Run();
  EXPECT_NE(rig.Completed().find(kUrl), std::string::npos);
  EXPECT_EQ(rig.Seen("GET ").size(), 3u);
  auto put = rig.Seen("PUT ");
  ASSERT_EQ(put.size(), 1u);
  EXPECT_EQ(put[0].body, body);
}

TEST(TransferLoopTest, ShortBodyEveryTimeSaysHowShort) {
  EngineRig rig(4, "http");
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer shorter = Image(Body(1000));
  shorter.cut_after = 500;
  rig.net->Script("GET http://src/a.jpg", {shorter});
  rig.Run();
  EXPECT_EQ(rig.Failed(), std::string(kUrl) +
                              "\tsource truncated body (got 500 of 1000 "
                              "bytes) after 4 attempts\n");
}

TEST(TransferLoopTest, StalledSourceTimesOutAfterDownloadTimeout) {
  EngineRig rig;
  rig.ctx.options.download_timeout_ms = 30000;
  std::string body = Body(100);
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer stall;
  stall.stall = true;
  rig.net->Script("GET http://src/a.jpg", {stall, Image(body)});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  ExpectDone(rig, body);
  auto get = rig.Seen("GET ");
  ASSERT_EQ(get.size(), 2u);
  EXPECT_GE(get[1].started_ms, 30000 + 500);
  EXPECT_LT(get[1].started_ms, 30000 + 1500 + 100);
}

TEST(TransferLoopTest, StalledS3AfterTheBodyTimesOutAfterUploadTimeout) {
  EngineRig rig;
  rig.ctx.options.upload_timeout_ms = 60000;
  std::string body = Body(1000);
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg", {Image(body)});
  FakeAnswer silent = Reply(200);
  silent.stall_after_body = true;
  rig.net->Script(kPut, {silent, Reply(200)});
  rig.Run();
  ExpectDone(rig, body);
  auto put = rig.Seen("PUT ");
  ASSERT_EQ(put.size(), 2u);
  EXPECT_EQ(put[0].body, body);  // S3 had it all and did not answer
  auto get = rig.Seen("GET ");
  ASSERT_EQ(get.size(), 2u);  // streamed: a retry redoes both
  EXPECT_GE(get[1].started_ms, 60000 + 500);
  EXPECT_LT(get[1].started_ms, 60000 + 1500 + 200);
}

TEST(TransferLoopTest, StreamingPausesTheGetForRoomAndThePutForBytes) {
  EngineRig rig;
  std::string body = Body(1 << 20);  // several rings' worth
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg", {Image(body)});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  ExpectDone(rig, body);
  auto put = rig.Seen("PUT ");
  ASSERT_EQ(put.size(), 1u);
  EXPECT_EQ(put[0].body, body);
  EXPECT_GT(rig.net->sink_pauses, 0);    // the ring was full
  EXPECT_GT(rig.net->source_pauses, 0);  // the PUT waited for bytes
  EXPECT_GT(rig.net->resumes, 0);
  EXPECT_EQ(rig.clock.NowMs(), 0);  // no waiting was needed at all
}

TEST(TransferLoopTest, RedirectsAreFollowedUpToFive) {
  EngineRig rig;
  std::string body = Body(100);
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer hop = Reply(301);
  hop.headers = {{"location", "http://src/hop1.jpg"}};
  FakeAnswer hop2 = Reply(302);
  hop2.headers = {{"location", "http://src/final.jpg"}};
  rig.net->Script("GET http://src/a.jpg", {hop});
  rig.net->Script("GET http://src/hop1.jpg", {hop2});
  rig.net->Script("GET http://src/final.jpg", {Image(body)});
  rig.net->Script(kPut, {Reply(200)});
  rig.Run();
  ExpectDone(rig, body);
}

TEST(TransferLoopTest, RedirectLoopFailsWithoutRetries) {
  EngineRig rig;
  rig.feed.Add(kUrl, "images/a.jpg");
  FakeAnswer loop = Reply(302);
  loop.headers = {{"location", "http://src/a.jpg"}};
  rig.net->Script("GET http://src/a.jpg", {loop});
  rig.Run();
  EXPECT_EQ(rig.Seen("GET ").size(), 1u);
  EXPECT_EQ(rig.Failed(),
            std::string(kUrl) + "\tsource redirected more than 5 times\n");
}

TEST(TransferLoopTest, SlowDownStormLowersTheLimitAndHasItsOwnBudget) {
  EngineRig rig(16, "http");
  rig.ctx.options.max_retries = 1;
  std::string body = Body(100);
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg", {Image(body)});
  FakeAnswer slow = S3Fail(503, "SlowDown");
  rig.net->Script("PUT http://s3.test/bucket/images/a.jpg",
                  {slow, slow, slow, Reply(200)});
  rig.Run();
  EXPECT_NE(rig.Completed().find(kUrl), std::string::npos);
  EXPECT_EQ(rig.Failed(), "");
  EXPECT_LE(rig.ctx.limit->limit(), 8);
  EXPECT_EQ(rig.Seen("GET ").size(), 1u);  // buffered: only the PUT redone
  EXPECT_EQ(rig.Seen("PUT ").size(), 4u);
}

TEST(TransferLoopTest, BadDigestRefetchesTheBody) {
  EngineRig rig(4, "http");
  std::string body = Body(100);
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg", {Image(body)});
  rig.net->Script("PUT http://s3.test/bucket/images/a.jpg",
                  {S3Fail(400, "BadDigest"), Reply(200)});
  rig.Run();
  EXPECT_NE(rig.Completed().find(kUrl), std::string::npos);
  EXPECT_EQ(rig.Seen("GET ").size(), 2u);
}

TEST(TransferLoopTest, AccessDeniedStopsTheRunAndRecordsNothing) {
  EngineRig rig(1);
  for (const char* u : {"http://src/a.jpg", "http://src/b.jpg"})
    rig.feed.Add(u, std::string("images/") + (u + 11));
  rig.net->Script("GET http://src/", {Image(Body(100))});
  rig.net->Script("PUT ", {S3Fail(403, "AccessDenied")});
  rig.Run();
  EXPECT_TRUE(rig.sink.stop_requested());
  EXPECT_NE(rig.sink.stop_message().find("AccessDenied"), std::string::npos);
  EXPECT_EQ(rig.Seen("GET ").size(), 1u);  // the second was never started
  EXPECT_EQ(rig.Failed(), "");
  EXPECT_EQ(rig.ctx.run.in_flight.load(), 0);
}

TEST(TransferLoopTest, UntrustedS3CertificateStopsTheRun) {
  EngineRig rig;
  rig.feed.Add(kUrl, "images/a.jpg");
  rig.net->Script("GET http://src/a.jpg", {Image(Body(100))});
  FakeAnswer tls;
  tls.stall = false;
  tls.status = 0;
  tls.error = TransportError::kTlsUntrusted;
  tls.detail = "SSL certificate problem: self-signed certificate";
  rig.net->Script(kPut, {tls});
  rig.Run();
  EXPECT_TRUE(rig.sink.stop_requested());
  EXPECT_NE(rig.sink.stop_message().find("AWS_CA_BUNDLE"), std::string::npos);
  EXPECT_EQ(rig.Seen("PUT ").size(), 1u);
  EXPECT_EQ(rig.Failed(), "");
}

TEST(TransferLoopTest, MalformedUrlIsNotAFailureOfTheRun) {
  EngineRig rig;
  rig.feed.Add(std::string("http://src/a\0b.jpg", 18), "images/a.jpg");
  rig.Run();
  EXPECT_EQ(rig.sink.malformed(), 1u);
  EXPECT_EQ(rig.sink.failed(), 0u);
  EXPECT_NE(rig.Failed().find("\tmalformed url: NUL byte\n"),
            std::string::npos);
}

TEST(TransferLoopTest, StopDropsWaitingRetriesAndStartsNothingNew) {
  EngineRig rig(1);
  rig.feed.Add("http://src/a.jpg", "images/a.jpg");
  rig.feed.Add("http://src/b.jpg", "images/b.jpg");
  rig.net->Script("GET http://src/a.jpg", {Reply(503)});
  rig.net->on_poll = [&rig](FakeTransport*) {
    if (rig.clock.NowMs() >= 200) rig.ctx.run.stop_starting = true;
  };
  rig.Run();
  EXPECT_EQ(rig.Seen("GET ").size(), 1u);
  EXPECT_EQ(rig.Failed(), "");  // interrupted, not failed: redone next run
  EXPECT_EQ(rig.ctx.run.retrying.load(), 0);
  EXPECT_EQ(rig.ctx.run.in_flight.load(), 0);
}

TEST(TransferLoopTest, StopLetsTransfersInFlightFinish) {
  EngineRig rig(1);
  std::string body = Body(100);
  rig.feed.Add("http://src/a.jpg", "images/a.jpg");
  rig.feed.Add("http://src/b.jpg", "images/b.jpg");
  rig.net->Script("GET http://src/a.jpg", {Image(body)});
  rig.net->Script(kPut, {Reply(200)});
  rig.net->on_poll = [&rig](FakeTransport*) {
    rig.ctx.run.stop_starting = true;  // at once, with a in flight
  };
  rig.Run();
  ExpectDone(rig, body);
  EXPECT_EQ(rig.Seen("GET http://src/b.jpg").size(), 0u);
}

TEST(TransferLoopTest, AbortDropsWhatIsInFlightAtOnce) {
  EngineRig rig(2);
  rig.feed.Add("http://src/a.jpg", "images/a.jpg");
  rig.feed.Add("http://src/b.jpg", "images/b.jpg");
  FakeAnswer stall;
  stall.stall = true;
  rig.net->Script("GET http://src/", {stall});
  rig.net->on_poll = [&rig](FakeTransport* net) {
    if (rig.clock.NowMs() >= 1000) {
      rig.ctx.run.stop_starting = true;
      rig.ctx.run.abort_now = true;
    }
    EXPECT_EQ(net->in_flight(), 2u);
  };
  rig.Run();
  EXPECT_LE(rig.clock.NowMs(), 1100);          // not the 30 s timeout
  EXPECT_EQ(rig.ctx.run.in_flight.load(), 2);  // still held by the loop
  rig.loop.reset();
  EXPECT_EQ(rig.ctx.run.in_flight.load(), 0);
  EXPECT_EQ(rig.Failed(), "");
  EXPECT_EQ(rig.Completed().find("src/"), std::string::npos);
}

}  // namespace
}  // namespace cfm
