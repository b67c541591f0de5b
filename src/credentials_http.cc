// The HTTP links of the credentials chain: the container credentials
// endpoint (ECS/EKS) and EC2 instance metadata (IMDSv2).
#include <spdlog/spdlog.h>

#include <utility>

#include "credentials_sources.h"

namespace cfm {
namespace {

constexpr long kConnectTimeoutMs = 1000;
constexpr long kTotalTimeoutMs = 2000;
constexpr int kAttempts = 2;  // one retry on a transport failure
constexpr int kTokenTtlSeconds = 21600;
constexpr int kTokenMarginSeconds = 60;

// Sends `request` with short timeouts, retrying once on a transport error.
Result<HttpResponse> SendWithRetry(HttpClient* client, HttpRequest request) {
  request.connect_timeout_ms = kConnectTimeoutMs;
  request.timeout_ms = kTotalTimeoutMs;
  Result<HttpResponse> response = client->Send(request);
  for (int i = 1; i < kAttempts && !response.ok(); ++i)
    response = client->Send(request);
  return response;
}

// "http://host:port/path?q" → "host:port".
std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?", start);
  return url.substr(start, end == std::string::npos ? end : end - start);
}

bool AllowedHttpHost(const std::string& host_port) {
  std::string host = host_port;
  if (!host.empty() && host[0] == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" ||
         host == "169.254.170.2" || host == "169.254.170.23" ||
         host == "[fd00:ec2::23]";
}

class ContainerSource : public CredentialSource {
 public:
  explicit ContainerSource(CredentialsEnv env) : env_(std::move(env)) {}
  std::string Name() const override { return "container"; }

  Result<AwsCredentials> Fetch() override {
    HttpRequest request;
    if (auto rel =
            NonEmptyEnv(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
      request.url = "http://169.254.170.2" + *rel;
    } else if (auto full =
                   NonEmptyEnv(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      request.url = *full;
      if (full->rfind("https://", 0) != 0 &&
          !(full->rfind("http://", 0) == 0 && AllowedHttpHost(HostOf(*full))))
        return Status::Auth(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a "
            "loopback address or 169.254.170.2/169.254.170.23");
    } else {
      return Status::NotFound("not configured");
    }
    Result<std::string> token = AuthorizationToken();
    if (!token.ok()) return token.status();
    if (!token->empty()) request.headers.emplace_back("Authorization", *token);
    request.headers.emplace_back("Accept", "application/json");
    if (!client_) client_ = env_.new_http_client();
    Result<HttpResponse> response = SendWithRetry(client_.get(), request);
    if (!response.ok()) return response.status();
    if (response->status != 200)
      return Status::Auth("HTTP " + std::to_string(response->status) +
                          " from " + HostOf(request.url));
    Result<AwsCredentials> creds =
        ParseCredentialsJson(response->body, "Token", "container");
    if (!creds.ok()) return creds.status().WithContext(HostOf(request.url));
    return creds;
  }

 private:
  Result<std::string> AuthorizationToken() {
    std::string token;
    if (auto file =
            NonEmptyEnv(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      Result<std::string> text = env_.read_file(*file);
      if (!text.ok())
        return Status::Auth(
            "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *file +
            ": " + text.status().message());
      token = *text;
    } else {
      token = NonEmptyEnv(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN")
                  .value_or(std::string());
    }
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
      token.pop_back();
    if (token.find_first_of("\r\n") != std::string::npos)
      return Status::Auth("the container authorization token has a line break");
    return token;
  }

  CredentialsEnv env_;
  std::unique_ptr<HttpClient> client_;
};

class InstanceMetadataSource : public CredentialSource {
 public:
  explicit InstanceMetadataSource(CredentialsEnv env) : env_(std::move(env)) {}
  std::string Name() const override { return "instance metadata"; }

  Result<AwsCredentials> Fetch() override {
    std::string disabled =
        NonEmptyEnv(env_, "AWS_EC2_METADATA_DISABLED").value_or("");
    for (char& c : disabled) c = static_cast<char>(std::tolower(c));
    if (disabled == "true")
      return Status::NotFound("AWS_EC2_METADATA_DISABLED=true");
    base_ = NonEmptyEnv(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT")
                .value_or("http://169.254.169.254");
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    if (!client_) client_ = env_.new_http_client();
    const std::string path = "/latest/meta-data/iam/security-credentials/";
    Result<HttpResponse> roles = GetWithToken(path);
    if (!roles.ok()) return roles.status();
    if (roles->status == 404)
      return Status::NotFound("no IAM role attached to this instance (" +
                              HostOf(base_) + " answered 404)");
    if (roles->status != 200) return BadStatus(*roles, "role list");
    std::string role = roles->body.substr(0, roles->body.find('\n'));
    while (!role.empty() &&
           std::isspace(static_cast<unsigned char>(role.back())))
      role.pop_back();
    if (role.empty())
      return Status::NotFound("no IAM role attached to this instance");
    Result<HttpResponse> doc = GetWithToken(path + role);
    if (!doc.ok()) return doc.status();
    if (doc->status != 200)
      return BadStatus(*doc, "credentials of role " + role);
    return Parse(*doc, role);
  }

 private:
  Status BadStatus(const HttpResponse& response, const std::string& what) {
    return Status::Auth("HTTP " + std::to_string(response.status) + " for " +
                        what + " from " + HostOf(base_));
  }

  Result<AwsCredentials> Parse(const HttpResponse& response,
                               const std::string& role) {
    Result<AwsCredentials> creds = ParseCredentialsJson(
        response.body, "Token", "instance metadata (role " + role + ")");
    if (!creds.ok()) return creds.status().WithContext("role " + role);
    return creds;
  }

  // A GET with the session token; on 401 a new token and one more try.
  Result<HttpResponse> GetWithToken(const std::string& path) {
    for (int attempt = 0;; ++attempt) {
      Result<std::string> token = Token();
      if (!token.ok()) return token.status();
      HttpRequest request;
      request.url = base_ + path;
      if (!token->empty())
        request.headers.emplace_back("X-aws-ec2-metadata-token", *token);
      Result<HttpResponse> response = SendWithRetry(client_.get(), request);
      if (!response.ok() || response->status != 401 || attempt == 1)
        return response;
      spdlog::debug(
          "instance metadata: token refused (401), getting a new one");
      token_.clear();
      token_expiry_ = 0;
    }
  }

  // The cached session token, or a new one. "" means IMDSv1 (no token).
  Result<std::string> Token() {
    std::time_t now = env_.clock->WallSeconds();
    if (!token_.empty() && now < token_expiry_) return token_;
    HttpRequest request;
    request.method = "PUT";
    request.url = base_ + "/latest/api/token";
    request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds",
                                 std::to_string(kTokenTtlSeconds));
    Result<HttpResponse> response = SendWithRetry(client_.get(), request);
    if (!response.ok()) return response.status();
    int status = static_cast<int>(response->status);
    if (status == 403 || status == 404 || status == 405) return std::string();
    if (status != 200 || response->body.empty())
      return Status::Auth("HTTP " + std::to_string(status) +
                          " for the session token from " + HostOf(base_));
    long ttl = std::atol(
        response->Header("x-aws-ec2-metadata-token-ttl-seconds").c_str());
    if (ttl <= 0 || ttl > kTokenTtlSeconds) ttl = kTokenTtlSeconds;
    token_ = response->body;
    token_expiry_ = now + ttl - std::min<long>(kTokenMarginSeconds, ttl / 2);
    return token_;
  }

  CredentialsEnv env_;
  std::unique_ptr<HttpClient> client_;
  std::string base_;
  std::string token_;
  std::time_t token_expiry_ = 0;
};

}  // namespace

std::unique_ptr<CredentialSource> NewContainerSource(CredentialsEnv env) {
  return std::make_unique<ContainerSource>(std::move(env));
}

std::unique_ptr<CredentialSource> NewInstanceMetadataSource(
    CredentialsEnv env) {
  return std::make_unique<InstanceMetadataSource>(std::move(env));
}

}  // namespace cfm
