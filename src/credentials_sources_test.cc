// Each link of the chain alone, over the fakes (and the real /bin/sh for
// credential_process).
#include "credentials_sources.h"

#include <gtest/gtest.h>

#include "credentials_fakes.h"

namespace cfm {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kToken[] = "IQoJb3JpZ2luX2VjEXAMPLETOKEN0123456789abcdef";

class SourcesTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeWorld> world_ = std::make_shared<FakeWorld>();
  CredentialsEnv env_ = FakeEnv(world_);

  void SetUp() override { world_->vars["HOME"] = "/home/u"; }
};

TEST_F(SourcesTest, EnvironmentKeysAndToken) {
  auto source = NewEnvironmentSource(env_);
  EXPECT_EQ(source->Fetch().status().code(), Status::Code::kNotFound);
  EXPECT_EQ(source->Fetch().status().message(), "AWS_ACCESS_KEY_ID not set");
  world_->vars["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE";
  Result<AwsCredentials> partial = source->Fetch();
  EXPECT_EQ(partial.status().code(), Status::Code::kAuth);
  EXPECT_NE(partial.status().message().find("AWS_SECRET_ACCESS_KEY"),
            std::string::npos);
  world_->vars["AWS_SECRET_ACCESS_KEY"] = kSecret;
  world_->vars["AWS_SESSION_TOKEN"] = kToken;
  Result<AwsCredentials> creds = source->Fetch();
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(creds->secret_access_key, kSecret);
  EXPECT_EQ(creds->session_token, kToken);
  EXPECT_EQ(creds->expiration, 0);
  EXPECT_EQ(creds->provider, "environment");
}

TEST_F(SourcesTest, EnvironmentEmptyValuesCountAsUnset) {
  world_->vars["AWS_ACCESS_KEY_ID"] = "";
  world_->vars["AWS_SECRET_ACCESS_KEY"] = "";
  EXPECT_EQ(NewEnvironmentSource(env_)->Fetch().status().code(),
            Status::Code::kNotFound);
}

TEST_F(SourcesTest, SharedFilesDefaultPathsAndProfile) {
  auto source = NewSharedFilesSource(env_);
  Result<AwsCredentials> none = source->Fetch();
  EXPECT_EQ(none.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(none.status().message(),
            "profile default not found in /home/u/.aws/credentials (no such "
            "file) or /home/u/.aws/config (no such file)");
  world_->files["/home/u/.aws/credentials"] =
      "[other]\naws_access_key_id = AKIDOTHER0000000\n"
      "aws_secret_access_key = x\n"
      "[default]\naws_access_key_id = AKIDDEFAULT00000\n"
      "aws_secret_access_key = " +
      std::string(kSecret) + "\naws_session_token = " + kToken + "\n";
  Result<AwsCredentials> creds = source->Fetch();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDDEFAULT00000");
  EXPECT_EQ(creds->secret_access_key, kSecret);
  EXPECT_EQ(creds->session_token, kToken);
  EXPECT_EQ(creds->provider, "profile default in /home/u/.aws/credentials");
  world_->vars["AWS_PROFILE"] = "other";
  EXPECT_EQ(source->Fetch()->access_key_id, "AKIDOTHER0000000");
}

TEST_F(SourcesTest, ConfigFileNeedsProfilePrefixExceptDefault) {
  world_->vars["AWS_CONFIG_FILE"] = "/etc/aws.conf";
  world_->vars["AWS_PROFILE"] = "dev";
  world_->files["/etc/aws.conf"] =
      "[dev]\naws_access_key_id = AKIDWRONGSECTION\naws_secret_access_key = "
      "x\n"
      "[default]\naws_access_key_id = AKIDCONFIGDEFLT\naws_secret_access_key "
      "= y\n";
  auto source = NewSharedFilesSource(env_);
  // [dev] in the config file is not profile dev.
  EXPECT_EQ(source->Fetch().status().code(), Status::Code::kNotFound);
  world_->files["/etc/aws.conf"] +=
      "[profile dev]\naws_access_key_id = \"AKIDCONFIGDEV000\"\n"
      "aws_secret_access_key = z # comment\n";
  Result<AwsCredentials> creds = source->Fetch();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDCONFIGDEV000");
  EXPECT_EQ(creds->secret_access_key, "z");
  EXPECT_EQ(creds->provider, "profile dev in /etc/aws.conf");
  world_->vars["AWS_PROFILE"] = "default";
  EXPECT_EQ(source->Fetch()->access_key_id, "AKIDCONFIGDEFLT");
}

TEST_F(SourcesTest, CredentialsFileBeatsConfigFile) {
  world_->vars["AWS_SHARED_CREDENTIALS_FILE"] = "~/creds";
  world_->files["/home/u/creds"] =
      "[default]\naws_access_key_id = AKIDFROMCREDS000\n"
      "aws_secret_access_key = a\n";
  world_->files["/home/u/.aws/config"] =
      "[default]\naws_access_key_id = AKIDFROMCONFIG00\n"
      "aws_secret_access_key = b\n";
  EXPECT_EQ(NewSharedFilesSource(env_)->Fetch()->access_key_id,
            "AKIDFROMCREDS000");
}

TEST_F(SourcesTest, PartialProfileIsAnErrorWithoutSecrets) {
  world_->files["/home/u/.aws/credentials"] =
      "[default]\naws_access_key_id = AKIDPARTIAL00000\n"
      "aws_session_token = " +
      std::string(kToken) + "\n";
  Result<AwsCredentials> r = NewSharedFilesSource(env_)->Fetch();
  EXPECT_EQ(r.status().code(), Status::Code::kAuth);
  EXPECT_NE(r.status().message().find("no aws_secret_access_key"),
            std::string::npos);
  EXPECT_EQ(r.status().message().find(kToken), std::string::npos);
}

TEST_F(SourcesTest, AssumeRoleProfileIsNamedAsUnsupported) {
  world_->files["/home/u/.aws/config"] =
      "[profile x]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = y\n";
  world_->vars["AWS_PROFILE"] = "x";
  Result<AwsCredentials> r = NewSharedFilesSource(env_)->Fetch();
  EXPECT_EQ(r.status().code(), Status::Code::kAuth);
  EXPECT_NE(r.status().message().find("role_arn"), std::string::npos);
}

TEST_F(SourcesTest, UnreadableFileIsAnError) {
  env_.read_file = [](const std::string&) -> Result<std::string> {
    return Status::IOError("Permission denied");
  };
  Result<AwsCredentials> r = NewSharedFilesSource(env_)->Fetch();
  EXPECT_EQ(r.status().code(), Status::Code::kAuth);
  EXPECT_EQ(r.status().message(),
            "cannot read /home/u/.aws/credentials: Permission denied");
}

std::string ProcessJson(const std::string& expiration) {
  return std::string(
             "{\"Version\": 1, \"AccessKeyId\": \"ASIAPROCESS00001\", "
             "\"SecretAccessKey\": \"") +
         kSecret + "\", \"SessionToken\": \"" + kToken + "\"" +
         (expiration.empty() ? ""
                             : ", \"Expiration\": \"" + expiration + "\"") +
         "}";
}

TEST_F(SourcesTest, CredentialProcessThroughRealShell) {
  world_->files["/home/u/.aws/config"] =
      "[default]\ncredential_process = printf '%s' '" +
      ProcessJson("2027-01-15T10:20:30Z") + "'\n";
  Result<AwsCredentials> creds = NewSharedFilesSource(env_)->Fetch();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "ASIAPROCESS00001");
  EXPECT_EQ(creds->secret_access_key, kSecret);
  EXPECT_EQ(creds->session_token, kToken);
  EXPECT_EQ(FormatIso8601(creds->expiration), "2027-01-15T10:20:30Z");
  EXPECT_EQ(creds->provider, "credential_process of profile default");
}

TEST_F(SourcesTest, CredentialProcessFailureShowsStderrButNoSecret) {
  // The command prints valid credentials, echoes the secret to stderr,
  // then fails: the message carries its stderr, scrubbed.
  Result<AwsCredentials> r = CredentialsFromProcess(
      env_,
      "printf '%s' '" + ProcessJson("") + "'; echo 'sso expired for " +
          kSecret + "' >&2; echo 'run aws sso login' >&2; exit 3",
      "credential_process of profile p");
  EXPECT_EQ(r.status().code(), Status::Code::kAuth);
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("credential_process of profile p exited with status 3"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("run aws sso login"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(kSecret), std::string::npos) << msg;
  EXPECT_EQ(msg.find(kToken), std::string::npos) << msg;
}

TEST_F(SourcesTest, CredentialProcessBadOutput) {
  Result<AwsCredentials> r = CredentialsFromProcess(
      env_, "echo not json", "credential_process of profile p");
  EXPECT_NE(r.status().message().find("printed no JSON object"),
            std::string::npos);
  std::string v2 = ProcessJson("");
  v2.replace(v2.find("1,"), 1, "2");
  r = CredentialsFromProcess(env_, "printf '%s' '" + v2 + "'", "cp");
  EXPECT_EQ(r.status().message(), "cp: the JSON's Version must be 1");
  r = CredentialsFromProcess(
      env_, "printf '%s' '" + ProcessJson("yesterday") + "'", "cp");
  EXPECT_NE(r.status().message().find("bad Expiration"), std::string::npos);
  EXPECT_EQ(r.status().message().find(kSecret), std::string::npos);
}

TEST(RunShellCommandTest, CapturesBothStreamsAndExitCode) {
  Result<ProcessOutput> r =
      RunShellCommand("echo out; echo err >&2; exit 7", 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_code, 7);
}

TEST(RunShellCommandTest, KillsAtTheTimeLimit) {
  Result<ProcessOutput> r = RunShellCommand("exec sleep 30", 1);
  EXPECT_EQ(r.status().code(), Status::Code::kTimeout);
}

TEST_F(SourcesTest, ContainerRelativeUriWithTokenFile) {
  world_->vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/creds/abc";
  world_->vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ignored";
  world_->vars["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "/var/token";
  world_->files["/var/token"] = "tok-from-file\n";
  world_->http = [](const HttpRequest&) -> Result<HttpResponse> {
    return MakeAnswer(200, std::string("{\"AccessKeyId\":\"ASIACONTAINER001\","
                                       "\"SecretAccessKey\":\"") +
                               kSecret + "\",\"Token\":\"" + kToken +
                               "\",\"Expiration\":\"2027-01-01T00:00:00Z\"}");
  };
  Result<AwsCredentials> creds = NewContainerSource(env_)->Fetch();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "ASIACONTAINER001");
  EXPECT_EQ(creds->session_token, kToken);
  EXPECT_EQ(FormatIso8601(creds->expiration), "2027-01-01T00:00:00Z");
  ASSERT_EQ(world_->requests.size(), 1u);
  EXPECT_EQ(world_->requests[0].url, "http://169.254.170.2/v2/creds/abc");
  EXPECT_LE(world_->requests[0].connect_timeout_ms, 1000);
  bool has_auth = false;
  for (const auto& [name, value] : world_->requests[0].headers)
    if (name == "Authorization") has_auth = value == "tok-from-file";
  EXPECT_TRUE(has_auth);
}

TEST_F(SourcesTest, ContainerFullUriRules) {
  auto source = NewContainerSource(env_);
  EXPECT_EQ(source->Fetch().status().code(), Status::Code::kNotFound);
  world_->vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://10.0.0.5/creds";
  EXPECT_EQ(source->Fetch().status().code(), Status::Code::kAuth);
  EXPECT_TRUE(world_->requests.empty());
  world_->vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] =
      "http://127.0.0.1:8080/creds";
  world_->http = [](const HttpRequest&) -> Result<HttpResponse> {
    return MakeAnswer(403,
                      std::string("{\"SecretAccessKey\":\"") + kSecret + "\"}");
  };
  Result<AwsCredentials> r = source->Fetch();
  EXPECT_EQ(r.status().message(), "HTTP 403 from 127.0.0.1:8080");
  world_->http = [](const HttpRequest&) -> Result<HttpResponse> {
    return MakeAnswer(200,
                      std::string("{\"SecretAccessKey\":\"") + kSecret + "\"}");
  };
  r = source->Fetch();
  EXPECT_EQ(r.status().message(), "127.0.0.1:8080: reply has no AccessKeyId");
}

}  // namespace
}  // namespace cfm
