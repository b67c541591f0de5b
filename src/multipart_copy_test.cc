// Objects over the multipart threshold, copied by the transfer loop on a
// scripted transport and a fake clock: parts in parallel, the whole MD5 in
// part order, per-part retries, aborts, redirects, TLS trust, throttling,
// stop and abort. Every case runs in milliseconds of real time.
#include "multipart_copy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>

#include "engine_test_rig.h"

namespace cfm {
namespace {

const char kUrl[] = "http://src/big.jpg";
const char kKey[] = "images/big.jpg";
const char kS3[] = "https://s3.test/bucket/images/big.jpg";
constexpr int64_t kPart = 100;

std::string Body(size_t n) {
  std::string b(n, '\0');
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>('A' + i * 7 % 53);
  return b;
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// A source holding `body` under `etag`: a plain GET gets a 200 of it all, a
// Range GET a 206 of the range. `answer` may change the answer of a part
// (1-based) on its n-th request (1-based); it returns false to keep it.
struct Source {
  std::string body;
  std::string etag;
  std::function<bool(int part, int n, FakeAnswer*)> answer;
  std::map<int, int> requests;  // part -> Range GETs seen

  FakeAnswer operator()(const FakeTransport::Seen& q) {
    std::string range = q.Header("Range");
    FakeAnswer a;
    a.headers = {{"content-type", "image/jpeg"}, {"etag", etag}};
    if (range.empty()) {
      a.headers.emplace_back("content-length", std::to_string(body.size()));
      a.body = body;
      return a;
    }
    int64_t first = std::strtoll(range.c_str() + 6, nullptr, 10);
    int64_t last = std::min<int64_t>(
        std::strtoll(range.c_str() + range.find('-') + 1, nullptr, 10),
        static_cast<int64_t>(body.size()) - 1);
    a.status = 206;
    a.body = body.substr(static_cast<size_t>(first),
                         static_cast<size_t>(last - first + 1));
    a.headers.emplace_back("content-range", "bytes " + std::to_string(first) +
                                                "-" + std::to_string(last) +
                                                "/" +
                                                std::to_string(body.size()));
    int part = static_cast<int>(first / kPart) + 1;
    int n = ++requests[part];
    if (answer) answer(part, n, &a);
    return a;
  }
};

FakeAnswer Created() {
  return Reply(200,
               "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
               "</InitiateMultipartUploadResult>");
}

FakeAnswer PartStored(int n) {
  FakeAnswer a;
  a.headers = {{"etag", Quoted("p" + std::to_string(n))}};
  return a;
}

// An engine whose threshold and part size make `body` a multipart copy.
struct MultipartRig : EngineRig {
  std::shared_ptr<Source> source = std::make_shared<Source>();

  explicit MultipartRig(const std::string& body, int concurrency = 4)
      : EngineRig(concurrency) {
    ctx.options.multipart_threshold = 150;
    ctx.options.part_size = kPart;
    source->body = body;
    source->etag = Quoted(HexEncode(Md5(body)));
    feed.Add(kUrl, kKey);
    net->Serve("GET http://src/",
               [s = source](const FakeTransport::Seen& q) { return (*s)(q); });
    net->Script("POST " + std::string(kS3) + "?uploads", {Created()});
    net->Serve(
        "PUT " + std::string(kS3) + "?partNumber=",
        [](const FakeTransport::Seen& q) { return PartStored(PartNumber(q)); });
    net->Script("POST " + std::string(kS3) + "?uploadId=U1",
                {Reply(200,
                       "<CompleteMultipartUploadResult><ETag>\"x\"</ETag>"
                       "</CompleteMultipartUploadResult>")});
    net->Script("DELETE " + std::string(kS3), {Reply(204)});
  }

  static int PartNumber(const FakeTransport::Seen& q) {
    size_t at = q.url.find("partNumber=");
    return std::atoi(q.url.c_str() + at + 11);
  }

  // The UploadParts seen, by part number, in the order they started.
  std::vector<int> Uploads() const {
    std::vector<int> out;
    for (const auto& s : Seen("PUT ")) out.push_back(PartNumber(s));
    return out;
  }

  void ExpectNothingHeld() const {
    EXPECT_EQ(ctx.run.in_flight.load(), 0);
    EXPECT_EQ(ctx.run.retrying.load(), 0);
    EXPECT_EQ(ctx.run.part_buffers.load(), 0);
  }
};

void ExpectCopied(const MultipartRig& rig) {
  const std::string& body = rig.source->body;
  EXPECT_NE(rig.Completed().find(std::string(kUrl) + "\t" + kKey + "\t" +
                                 std::to_string(body.size()) +
                                 "\tmd5:" + HexEncode(Md5(body))),
            std::string::npos)
      << rig.Completed();
  EXPECT_EQ(rig.Failed(), "");
  EXPECT_EQ(rig.Seen("DELETE ").size(), 0u);
  rig.ExpectNothingHeld();
}

TEST(MultipartCopyTest, PartsGoInParallelAndTheWholeIsHashedInOrder) {
  MultipartRig rig(Body(450));  // 5 parts
  // Part 2 answers late: parts 3 and 4 are fetched and uploaded first.
  rig.source->answer = [](int part, int, FakeAnswer* a) {
    if (part == 2) a->delay_ms = 500;
    return true;
  };
  rig.Run();
  ExpectCopied(rig);
  EXPECT_GE(rig.net->peak_in_flight, 3u);
  std::vector<int> uploads = rig.Uploads();
  ASSERT_EQ(uploads.size(), 5u);
  EXPECT_EQ(uploads[0], 1);
  EXPECT_LT(std::find(uploads.begin(), uploads.end(), 3) - uploads.begin(),
            std::find(uploads.begin(), uploads.end(), 2) - uploads.begin());
  for (const auto& put : rig.Seen("PUT ")) {
    int n = MultipartRig::PartNumber(put);
    std::string want = rig.source->body.substr((n - 1) * kPart, kPart);
    EXPECT_EQ(put.body, want) << n;
    EXPECT_EQ(put.Header("Content-MD5"), Base64Encode(Md5(want)));
    EXPECT_EQ(put.ca_file, "/s3-ca.pem");
  }
  auto complete = rig.Seen("POST " + std::string(kS3) + "?uploadId=U1");
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_LT(complete[0].body.find("<PartNumber>1<"),
            complete[0].body.find("<PartNumber>5<"));
  auto ranges = rig.Seen("GET http://src/");
  ASSERT_EQ(ranges.size(), 6u);  // the plain GET, then one per part
  EXPECT_EQ(ranges[1].Header("Range"), "bytes=0-99");
  EXPECT_EQ(ranges[1].ca_file, "/source-ca.pem");
  EXPECT_EQ(ranges[1].max_redirects, 5);
}

// Parts after the first kMaxPartsPerObject are fetched into the emptied
// bodies of parts already uploaded: each carries its own bytes only.
TEST(MultipartCopyTest, LaterPartsFilledIntoReusedBodiesCarryOnlyTheirBytes) {
  MultipartRig rig(Body(870));  // 9 parts, the last one 70 bytes
  rig.Run();
  ExpectCopied(rig);
  auto puts = rig.Seen("PUT ");
  ASSERT_EQ(puts.size(), 9u);
  for (const auto& put : puts) {
    int n = MultipartRig::PartNumber(put);
    std::string want = rig.source->body.substr((n - 1) * kPart, kPart);
    EXPECT_EQ(put.body, want) << n;
    EXPECT_EQ(put.Header("Content-MD5"), Base64Encode(Md5(want))) << n;
  }
}

TEST(MultipartCopyTest, APartFailing503TwiceIsRetriedAloneAfter1sThen2s) {
  MultipartRig rig(Body(300));
  rig.source->answer = [](int part, int n, FakeAnswer* a) {
    if (part == 2 && n <= 2) *a = Reply(503);
    return true;
  };
  rig.Run();
  ExpectCopied(rig);
  EXPECT_EQ(rig.source->requests[1], 1);
  EXPECT_EQ(rig.source->requests[2], 3);
  EXPECT_EQ(rig.source->requests[3], 1);
  EXPECT_EQ(rig.Uploads().size(), 3u);
  std::vector<int64_t> starts;
  for (const auto& g : rig.Seen("GET http://src/"))
    if (g.Header("Range") == "bytes=100-199") starts.push_back(g.started_ms);
  ASSERT_EQ(starts.size(), 3u);
  EXPECT_GE(starts[1] - starts[0], 500);  // 1 s with jitter in [0.5, 1.5)
  EXPECT_LT(starts[1] - starts[0], 1500);
  EXPECT_GE(starts[2] - starts[1], 1000);  // 2 s with jitter
  EXPECT_LT(starts[2] - starts[1], 3000);
}

TEST(MultipartCopyTest, APartThatKeepsFailingFailsTheObjectAndAborts) {
  MultipartRig rig(Body(300));
  rig.ctx.options.max_retries = 2;
  rig.net->Script("PUT " + std::string(kS3) + "?partNumber=3",
                  {S3Fail(500, "InternalError")});
  rig.Run();
  EXPECT_EQ(rig.Failed(),
            std::string(kUrl) + "\ts3 InternalError after 3 attempts\n");
  EXPECT_EQ(rig.Seen("PUT " + std::string(kS3) + "?partNumber=3").size(), 3u);
  EXPECT_EQ(rig.Seen("DELETE " + std::string(kS3) + "?uploadId=U1").size(), 1u);
  EXPECT_EQ(rig.Seen("POST " + std::string(kS3) + "?uploadId=").size(), 0u);
  EXPECT_EQ(rig.Completed().find("big.jpg"), std::string::npos);
  rig.ExpectNothingHeld();
}

TEST(MultipartCopyTest, ASourceThatChangesMidCopyFailsAndAborts) {
  MultipartRig rig(Body(300));
  rig.source->answer = [](int part, int, FakeAnswer* a) {
    if (part == 3) a->headers[1].second = "\"other\"";
    return true;
  };
  rig.Run();
  EXPECT_EQ(rig.Failed(),
            std::string(kUrl) + "\tsource changed during the copy\n");
  EXPECT_EQ(rig.Seen("DELETE ").size(), 1u);
  EXPECT_EQ(rig.Seen("POST " + std::string(kS3) + "?uploadId=").size(), 0u);
  rig.ExpectNothingHeld();
}

TEST(MultipartCopyTest, AWholeMd5MismatchRestartsAndFailsAfterTheRetries) {
  MultipartRig rig(Body(300));
  rig.ctx.options.max_retries = 1;
  rig.source->etag = Quoted(HexEncode(Md5("something else")));
  rig.Run();
  EXPECT_EQ(rig.Failed(), std::string(kUrl) +
                              "\tsource checksum mismatch after 2 attempts\n");
  EXPECT_EQ(rig.Seen("POST " + std::string(kS3) + "?uploads").size(), 2u);
  EXPECT_EQ(rig.Seen("DELETE ").size(), 2u);
  EXPECT_EQ(rig.Seen("POST " + std::string(kS3) + "?uploadId=").size(), 0u);
  rig.ExpectNothingHeld();
}

TEST(MultipartCopyTest, WeakEtagSkipsTheWholeCheckButNotThePartMd5s) {
  MultipartRig rig(Body(300));
  rig.source->etag = "W/\"weak\"";
  rig.Run();
  ExpectCopied(rig);
  for (const auto& put : rig.Seen("PUT "))
    EXPECT_FALSE(put.Header("Content-MD5").empty());
}

TEST(MultipartCopyTest, ASourceThatIgnoresRangeIsSplitFromMemory) {
  MultipartRig rig(Body(300));
  rig.source->answer = [&rig](int, int, FakeAnswer* a) {
    *a = Image(rig.source->body);  // a 200 of the whole object
    return true;
  };
  rig.Run();
  ExpectCopied(rig);
  EXPECT_EQ(rig.source->requests.size(), 1u);  // one Range GET in all
  EXPECT_EQ(rig.Uploads().size(), 3u);
  for (const auto& put : rig.Seen("PUT ")) {
    int n = MultipartRig::PartNumber(put);
    EXPECT_EQ(put.body, rig.source->body.substr((n - 1) * kPart, kPart));
  }
}

TEST(MultipartCopyTest, AWhole200ForALaterPartIsAskedAgain) {
  MultipartRig rig(Body(300));
  rig.source->answer = [&rig](int part, int n, FakeAnswer* a) {
    if (part == 2 && n == 1) *a = Image(rig.source->body);
    return true;
  };
  rig.Run();
  ExpectCopied(rig);
  EXPECT_EQ(rig.source->requests[2], 2);
  EXPECT_EQ(rig.Uploads().size(), 3u);
}

TEST(MultipartCopyTest, AnErrorPageForARangeFailsAtOnceWithoutAnUpload) {
  MultipartRig rig(Body(300));
  rig.source->answer = [](int, int, FakeAnswer* a) {
    a->headers[0].second = "text/html";
    return true;
  };
  rig.Run();
  EXPECT_EQ(rig.Failed(), std::string(kUrl) + "\tsource answered text/html\n");
  EXPECT_EQ(rig.Seen("POST ").size(), 0u);
  rig.ExpectNothingHeld();
}

TEST(MultipartCopyTest, ARedirectOnARangeGetIsFollowed) {
  MultipartRig rig(Body(300));
  FakeAnswer moved = Reply(301);
  moved.headers = {{"location", "http://src/stored/big.bin"}};
  rig.net->Script("GET http://src/big.jpg", {moved});
  rig.Run();
  ExpectCopied(rig);
  EXPECT_EQ(rig.source->requests.size(), 3u);  // every part via the hop
  for (const auto& g : rig.Seen("GET http://src/big.jpg"))
    EXPECT_EQ(g.max_redirects, 5);
}

TEST(MultipartCopyTest, AnUntrustedS3CertificateOnAPartStopsTheRun) {
  MultipartRig rig(Body(300));
  FakeAnswer untrusted = Reply(0);
  untrusted.error = TransportError::kTlsUntrusted;
  untrusted.detail = "SSL certificate problem";
  rig.net->Script("PUT " + std::string(kS3) + "?partNumber=1", {untrusted});
  rig.Run();
  EXPECT_TRUE(rig.sink.stop_requested());
  EXPECT_EQ(rig.Seen("PUT " + std::string(kS3) + "?partNumber=1").size(),
            1u);                // not retried as transient
  EXPECT_EQ(rig.Failed(), "");  // not the object's fault: copied next run
  EXPECT_EQ(rig.Completed().find("big.jpg"), std::string::npos);
  EXPECT_EQ(rig.Seen("DELETE ").size(), 1u);
  rig.ExpectNothingHeld();
}

TEST(MultipartCopyTest, SlowDownOnPartsLowersTheLimit) {
  MultipartRig rig(Body(300), 8);
  rig.net->Script(
      "PUT " + std::string(kS3) + "?partNumber=2",
      {S3Fail(503, "SlowDown"), S3Fail(503, "SlowDown"), PartStored(2)});
  rig.Run();
  ExpectCopied(rig);
  EXPECT_LT(rig.ctx.limit->limit(), 8);
  EXPECT_EQ(rig.Seen("PUT " + std::string(kS3) + "?partNumber=2").size(), 3u);
  EXPECT_EQ(rig.source->requests[2], 1);  // the body was kept
}

TEST(MultipartCopyTest, StopWithAPartRetryWaitingDropsAndAborts) {
  MultipartRig rig(Body(300));
  rig.source->answer = [](int part, int, FakeAnswer* a) {
    if (part == 3) *a = Reply(503);
    return true;
  };
  rig.net->on_poll = [&rig](FakeTransport*) {
    if (rig.ctx.run.retrying.load() > 0) rig.ctx.run.stop_starting = true;
  };
  rig.Run();
  EXPECT_EQ(rig.source->requests[3], 1);
  EXPECT_EQ(rig.Failed(), "");  // interrupted, not failed
  EXPECT_EQ(rig.Completed().find("big.jpg"), std::string::npos);
  EXPECT_EQ(rig.Seen("DELETE ").size(), 1u);
  rig.ExpectNothingHeld();
}

TEST(MultipartCopyTest, StopLetsACopyInFlightFinish) {
  MultipartRig rig(Body(450));
  rig.net->on_poll = [&rig](FakeTransport*) {
    if (!rig.Seen("PUT ").empty()) rig.ctx.run.stop_starting = true;
  };
  rig.Run();
  EXPECT_TRUE(rig.ctx.run.stop_starting.load());
  ExpectCopied(rig);
}

TEST(MultipartCopyTest, AbortNowDropsTheCopyAndAbortsWithAShortTimeout) {
  MultipartRig rig(Body(300));
  rig.source->answer = [](int part, int, FakeAnswer* a) {
    if (part == 2) a->stall = true;
    return true;
  };
  FakeAnswer stalled;
  stalled.stall = true;
  rig.net->Script("DELETE " + std::string(kS3), {stalled});
  rig.ctx.options.download_timeout_ms = 50000;
  rig.net->on_poll = [&rig](FakeTransport*) {
    if (rig.clock.NowMs() >= 1000) {
      rig.ctx.run.stop_starting = true;
      rig.ctx.run.abort_now = true;
    }
  };
  rig.Run();
  auto abort = rig.Seen("DELETE " + std::string(kS3) + "?uploadId=U1");
  ASSERT_EQ(abort.size(), 1u);
  EXPECT_EQ(abort[0].timeout_ms, kAbortNowTimeoutMs);
  // The abort's own timeout, not the stalled part's 50 s.
  EXPECT_LE(rig.clock.NowMs(), 1000 + kAbortNowTimeoutMs + 300);
  EXPECT_EQ(rig.Failed(), "");
  EXPECT_EQ(rig.Completed().find("big.jpg"), std::string::npos);
  rig.loop.reset();
  rig.ExpectNothingHeld();
}

}  // namespace
}  // namespace cfm
