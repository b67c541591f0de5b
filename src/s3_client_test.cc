#include "s3_client.h"

#include <gtest/gtest.h>

#include <deque>

namespace cfm {
namespace {

// Answers from a script and records what was sent.
class ScriptedHttp : public HttpClient {
 public:
  Result<HttpResponse> Send(const HttpRequest& request) override {
    sent.push_back(request);
    if (script.empty()) return Status::Network("script exhausted");
    Result<HttpResponse> next = script.front();
    script.pop_front();
    return next;
  }
  std::deque<Result<HttpResponse>> script;
  std::vector<HttpRequest> sent;
};

HttpResponse Response(long status, std::string body = "",
                      HeaderList headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

const char kExpired[] =
    "<Error><Code>ExpiredToken</Code><Message>The provided token has "
    "expired.</Message></Error>";

std::string HeaderOf(const HttpRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

class S3ClientTest : public ::testing::Test {
 protected:
  S3Client MakeClient(bool with_refresh, Status refresh_result = Status::OK()) {
    S3ClientOptions o;
    o.target = {MakeS3Endpoint("us-west-2", "http://127.0.0.1:9").value(),
                "dest"};
    o.credentials = [this]() -> Result<AwsCredentials> {
      if (!creds_status_.ok()) return creds_status_;
      AwsCredentials c;
      c.access_key_id = key_id_;
      c.secret_access_key = "secret";
      return c;
    };
    if (with_refresh) {
      o.refresh_credentials = [this, refresh_result] {
        ++refreshes_;
        key_id_ = "AKIDNEW";
        return refresh_result;
      };
    }
    o.clock = &clock_;
    o.timeout_ms = 1234;
    auto http = std::make_unique<ScriptedHttp>();
    http_ = http.get();
    return S3Client(std::move(o), std::move(http));
  }

  FakeClock clock_{1795867200};
  ScriptedHttp* http_ = nullptr;
  std::string key_id_ = "AKIDOLD";
  Status creds_status_;
  int refreshes_ = 0;
};

TEST_F(S3ClientTest, PutSendsBodyTimeoutAndInjectedTime) {
  S3Client s3 = MakeClient(false);
  http_->script.push_back(Response(200, "", {{"etag", "\"e\""}}));
  PutObjectParams p;
  p.key = "a b.jpg";
  auto r = s3.PutObject(p, "bytes");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->etag, "\"e\"");
  ASSERT_EQ(http_->sent.size(), 1u);
  EXPECT_EQ(http_->sent[0].body, "bytes");
  EXPECT_EQ(http_->sent[0].timeout_ms, 1234);
  EXPECT_EQ(http_->sent[0].url, "http://127.0.0.1:9/dest/a%20b.jpg");
  EXPECT_EQ(HeaderOf(http_->sent[0], "x-amz-date"), "20261128T120000Z");
}

TEST_F(S3ClientTest, ExpiredTokenRefreshesOnceAndResigns) {
  S3Client s3 = MakeClient(true);
  http_->script.push_back(Response(400, kExpired));
  http_->script.push_back(Response(200, "", {{"content-length", "7"}}));
  auto r = s3.HeadObject("k");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size, 7u);
  EXPECT_EQ(refreshes_, 1);
  ASSERT_EQ(http_->sent.size(), 2u);
  EXPECT_NE(HeaderOf(http_->sent[0], "Authorization").find("AKIDOLD"),
            std::string::npos);
  EXPECT_NE(HeaderOf(http_->sent[1], "Authorization").find("AKIDNEW"),
            std::string::npos);
}

TEST_F(S3ClientTest, StillExpiredAfterRefreshStopsTheRun) {
  S3Client s3 = MakeClient(true);
  http_->script.push_back(Response(400, kExpired));
  http_->script.push_back(Response(400, kExpired));
  auto r = s3.HeadObject("k");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(refreshes_, 1);
  EXPECT_EQ(http_->sent.size(), 2u);
  EXPECT_EQ(r.error_class(), S3ErrorClass::kStopRun);
  EXPECT_EQ(r.error().code, "ExpiredToken");
  EXPECT_EQ(r.status().code(), Status::Code::kAuth);
}

TEST_F(S3ClientTest, FailedRefreshOrNoRefreshStopsTheRun) {
  S3Client failing = MakeClient(true, Status::Network("IMDS unreachable"));
  http_->script.push_back(Response(400, kExpired));
  auto r = failing.HeadObject("k");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error_class(), S3ErrorClass::kStopRun);
  EXPECT_NE(r.status().message().find("IMDS unreachable"), std::string::npos);
  EXPECT_EQ(http_->sent.size(), 1u);

  S3Client without = MakeClient(false);
  http_->script.push_back(Response(400, kExpired));
  auto r2 = without.HeadObject("k");
  EXPECT_EQ(r2.error_class(), S3ErrorClass::kStopRun);
}

TEST_F(S3ClientTest, OtherErrorsAreReturnedWithoutRetry) {
  S3Client s3 = MakeClient(true);
  http_->script.push_back(
      Response(503, "<Error><Code>SlowDown</Code></Error>"));
  auto r = s3.GetObject("k");
  EXPECT_EQ(r.error_class(), S3ErrorClass::kRetry);
  http_->script.push_back(Status::Timeout("GET 127.0.0.1:9: timed out"));
  auto t = s3.GetObject("k");
  EXPECT_EQ(t.error_class(), S3ErrorClass::kRetry);
  EXPECT_EQ(t.status().code(), Status::Code::kTimeout);
  EXPECT_EQ(http_->sent.size(), 2u);
  EXPECT_EQ(refreshes_, 0);
}

TEST_F(S3ClientTest, MissingCredentialsStopWithoutSending) {
  S3Client s3 = MakeClient(false);
  creds_status_ = Status::Auth("no credential provider found");
  auto r = s3.ListObjectsV2({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error_class(), S3ErrorClass::kStopRun);
  EXPECT_EQ(r.status().code(), Status::Code::kAuth);
  EXPECT_TRUE(http_->sent.empty());
}

TEST_F(S3ClientTest, MultipartStepsUseTheUploadId) {
  S3Client s3 = MakeClient(false);
  http_->script.push_back(
      Response(200,
               "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
               "</InitiateMultipartUploadResult>"));
  http_->script.push_back(Response(200, "", {{"etag", "\"p1\""}}));
  http_->script.push_back(
      Response(200,
               "<CompleteMultipartUploadResult><ETag>\"f-1\"</ETag>"
               "</CompleteMultipartUploadResult>"));
  PutObjectParams p;
  p.key = "big";
  auto id = s3.CreateMultipartUpload(p);
  ASSERT_TRUE(id.ok());
  auto etag = s3.UploadPart("big", *id, 1, "part");
  ASSERT_TRUE(etag.ok());
  auto done = s3.CompleteMultipartUpload("big", *id, {{1, *etag}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(*done, "\"f-1\"");
  EXPECT_EQ(http_->sent[1].url,
            "http://127.0.0.1:9/dest/big?partNumber=1&uploadId=U1");
  EXPECT_EQ(http_->sent[1].body, "part");
  EXPECT_NE(http_->sent[2].body.find("<ETag>\"p1\"</ETag>"), std::string::npos);
}

}  // namespace
}  // namespace cfm
