// The instance metadata (IMDSv2) link against a scripted IMDS.
#include <gtest/gtest.h>

#include "credentials_fakes.h"
#include "credentials_sources.h"

namespace cfm {
namespace {

constexpr char kBase[] = "http://169.254.169.254";
constexpr char kRolePath[] = "/latest/meta-data/iam/security-credentials/";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::string HeaderOf(const HttpRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

// Plays IMDSv2: tokens "tok1", "tok2", ...; `valid_token` is the only one
// accepted (set to "" to make the current one stale).
class ImdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_->http = [this](const HttpRequest& r) { return Serve(r); };
  }

  Result<HttpResponse> Serve(const HttpRequest& r) {
    if (r.method == "PUT" &&
        r.url == std::string(kBase) + "/latest/api/token") {
      if (HeaderOf(r, "X-aws-ec2-metadata-token-ttl-seconds") != "21600")
        return MakeAnswer(400, "");
      valid_token_ = "tok" + std::to_string(++tokens_issued_);
      return MakeAnswer(200, valid_token_,
                        {{"x-aws-ec2-metadata-token-ttl-seconds", token_ttl_}});
    }
    if (HeaderOf(r, "X-aws-ec2-metadata-token") != valid_token_ ||
        valid_token_.empty())
      return MakeAnswer(401, "");
    if (r.url == std::string(kBase) + kRolePath)
      return MakeAnswer(200, "my-role\n");
    if (r.url == std::string(kBase) + kRolePath + "my-role")
      return MakeAnswer(
          200, std::string("{\"Code\":\"Success\",\"Type\":"
                           "\"AWS-HMAC\",\"AccessKeyId\":"
                           "\"ASIAIMDS00000001\",\"SecretAccessKey\":\"") +
                   kSecret +
                   "\",\"Token\":\"imdstoken\",\"Expiration\":"
                   "\"2027-03-01T00:00:00Z\"}");
    return MakeAnswer(404, "");
  }

  std::shared_ptr<FakeWorld> world_ = std::make_shared<FakeWorld>();
  CredentialsEnv env_ = FakeEnv(world_);
  std::string valid_token_;
  std::string token_ttl_ = "21600";
  int tokens_issued_ = 0;
};

TEST_F(ImdsTest, TokenThenRoleThenCredentials) {
  Result<AwsCredentials> creds = NewInstanceMetadataSource(env_)->Fetch();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "ASIAIMDS00000001");
  EXPECT_EQ(creds->secret_access_key, kSecret);
  EXPECT_EQ(creds->session_token, "imdstoken");
  EXPECT_EQ(FormatIso8601(creds->expiration), "2027-03-01T00:00:00Z");
  EXPECT_EQ(creds->provider, "instance metadata (role my-role)");
  ASSERT_EQ(world_->requests.size(), 3u);
  EXPECT_EQ(world_->requests[0].method, "PUT");
  for (const HttpRequest& r : world_->requests) {
    EXPECT_LE(r.connect_timeout_ms, 1000);
    EXPECT_LE(r.timeout_ms, 2000);
  }
}

TEST_F(ImdsTest, TokenIsCachedUntilItsTtl) {
  token_ttl_ = "600";
  auto source = NewInstanceMetadataSource(env_);
  ASSERT_TRUE(source->Fetch().ok());
  world_->now += 300;
  ASSERT_TRUE(source->Fetch().ok());
  EXPECT_EQ(tokens_issued_, 1);
  world_->now += 300;  // past the server's 600 s TTL minus the margin
  ASSERT_TRUE(source->Fetch().ok());
  EXPECT_EQ(tokens_issued_, 2);
  EXPECT_EQ(world_->Count("PUT", "/latest/api/token"), 2);
}

TEST_F(ImdsTest, Stale401TokenIsReplacedOnce) {
  auto source = NewInstanceMetadataSource(env_);
  ASSERT_TRUE(source->Fetch().ok());
  valid_token_ = "rotated-away";  // server forgot tok1
  Result<AwsCredentials> creds = source->Fetch();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(tokens_issued_, 2);
  EXPECT_EQ(world_->Count("PUT", "/latest/api/token"), 2);
}

TEST_F(ImdsTest, PersistentUnauthorizedGivesUp) {
  world_->http = [this](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "PUT")
      return MakeAnswer(200, "tok" + std::to_string(++tokens_issued_));
    return MakeAnswer(401, "");
  };
  Result<AwsCredentials> r = NewInstanceMetadataSource(env_)->Fetch();
  EXPECT_EQ(r.status().code(), Status::Code::kAuth);
  EXPECT_EQ(tokens_issued_, 2);  // one renewal, no loop
}

TEST_F(ImdsTest, FallsBackToImdsV1WhenTokenEndpointIsMissing) {
  world_->http = [](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "PUT") return MakeAnswer(404, "");
    if (!HeaderOf(r, "X-aws-ec2-metadata-token").empty())
      return MakeAnswer(400, "");
    if (r.url.back() == '/') return MakeAnswer(200, "v1role");
    return MakeAnswer(200, std::string("{\"AccessKeyId\":\"ASIAV1ROLE000001\","
                                       "\"SecretAccessKey\":\"s\"}"));
  };
  Result<AwsCredentials> creds = NewInstanceMetadataSource(env_)->Fetch();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "ASIAV1ROLE000001");
}

TEST_F(ImdsTest, DisabledEndpointOverrideAndNoRole) {
  world_->vars["AWS_EC2_METADATA_DISABLED"] = "TRUE";
  Result<AwsCredentials> r = NewInstanceMetadataSource(env_)->Fetch();
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(world_->requests.empty());
  world_->vars["AWS_EC2_METADATA_DISABLED"] = "false";
  world_->vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9/";
  world_->http = [](const HttpRequest& r) -> Result<HttpResponse> {
    return r.method == "PUT" ? MakeAnswer(200, "t") : MakeAnswer(404, "");
  };
  r = NewInstanceMetadataSource(env_)->Fetch();
  EXPECT_EQ(r.status().message(),
            "no IAM role attached to this instance (127.0.0.1:9 answered 404)");
  EXPECT_EQ(world_->requests[0].url, "http://127.0.0.1:9/latest/api/token");
}

TEST_F(ImdsTest, TransportFailureIsRetriedOnceAndNamed) {
  world_->http = nullptr;  // every request refused
  Result<AwsCredentials> r = NewInstanceMetadataSource(env_)->Fetch();
  EXPECT_EQ(r.status().code(), Status::Code::kNetwork);
  EXPECT_EQ(world_->requests.size(), 2u);
}

TEST_F(ImdsTest, BadJsonNeverQuotesTheSecret) {
  world_->http = [](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "PUT") return MakeAnswer(200, "t");
    if (r.url.back() == '/') return MakeAnswer(200, "role");
    return MakeAnswer(
        200, std::string("{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"") +
                 kSecret + "\",\"Expiration\":\"" + kSecret + "\"}");
  };
  Result<AwsCredentials> r = NewInstanceMetadataSource(env_)->Fetch();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad Expiration"), std::string::npos);
  EXPECT_EQ(r.status().message().find(kSecret), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace cfm
