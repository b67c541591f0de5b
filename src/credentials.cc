#include "credentials.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "credentials_sources.h"
#include "file_util.h"
#include "log.h"

namespace cfm {
namespace {

constexpr int kProcessTimeoutSeconds = 60;
constexpr size_t kMaxFileBytes = 16 << 20;

std::string ExpiryText(std::time_t expiration) {
  return expiration == 0 ? "never" : FormatIso8601(expiration);
}

}  // namespace

CredentialsEnv RealCredentialsEnv() {
  CredentialsEnv env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  env.read_file = [](const std::string& path) {
    return ReadWholeFile(path, kMaxFileBytes);
  };
  env.clock = SystemClock();
  env.new_http_client = [] { return NewCurlHttpClient(); };
  env.run_process = [](const std::string& command) {
    return RunShellCommand(command, kProcessTimeoutSeconds);
  };
  return env;
}

std::string MaskedForLog(const AwsCredentials& credentials) {
  const std::string& id = credentials.access_key_id;
  std::string masked = id.size() >= 12
                           ? id.substr(0, 4) + "…" + id.substr(id.size() - 4)
                           : std::string("****");
  return masked + " from " + credentials.provider;
}

CredentialsProvider::CredentialsProvider(
    std::vector<std::unique_ptr<CredentialSource>> sources, Clock* clock)
    : sources_(std::move(sources)), clock_(clock) {}

CredentialsProvider::Need CredentialsProvider::NeedLocked(
    std::time_t now) const {
  if (!cached_) return Need::kMandatory;
  if (cached_->expiration == 0) return Need::kNone;
  std::time_t left = cached_->expiration - now;
  if (left <= 0) return Need::kMandatory;
  if (left > kAdvisoryRefreshSeconds || now < next_attempt_) return Need::kNone;
  return left > kMandatoryRefreshSeconds ? Need::kAdvisory : Need::kMandatory;
}

Result<AwsCredentials> CredentialsProvider::CachedOrLastError() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cached_ &&
      (cached_->expiration == 0 || clock_->WallSeconds() < cached_->expiration))
    return *cached_;
  if (!last_status_.ok()) return last_status_;
  return Status::Auth(
      "AWS credentials " + (cached_ ? MaskedForLog(*cached_) : std::string()) +
      " expired at " + ExpiryText(cached_ ? cached_->expiration : 0));
}

unsigned long CredentialsProvider::Generation() {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

Result<AwsCredentials> CredentialsProvider::Get() {
  Need need;
  unsigned long seen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    need = NeedLocked(clock_->WallSeconds());
    if (need == Need::kNone) return *cached_;
    seen = generation_;
  }
  std::unique_lock<std::mutex> refresh(refresh_mu_, std::defer_lock);
  if (need == Need::kAdvisory) {
    if (!refresh.try_lock()) return CachedOrLastError();
  } else {
    refresh.lock();
  }
  // Skip when another caller's attempt finished while this one waited.
  if (Generation() == seen) RefreshLocked().ok();
  return CachedOrLastError();
}

Status CredentialsProvider::ForceRefresh() {
  unsigned long seen = Generation();
  std::lock_guard<std::mutex> refresh(refresh_mu_);
  if (Generation() != seen) {
    std::lock_guard<std::mutex> lock(mu_);
    return last_status_;
  }
  return RefreshLocked();
}

Result<AwsCredentials> CredentialsProvider::FetchLocked() {
  if (chosen_ >= 0) {
    CredentialSource& source = *sources_[chosen_];
    Result<AwsCredentials> fetched = source.Fetch();
    if (fetched.ok()) return fetched;
    if (fetched.status().code() != Status::Code::kNotFound)
      return Status::Auth(
          "refreshing AWS credentials from " + source.Name() +
          " failed: " + ScrubSecrets(fetched.status().message()));
    chosen_ = -1;  // no longer configured: search the whole chain again
  }
  std::string reasons;
  for (size_t i = 0; i < sources_.size(); ++i) {
    Result<AwsCredentials> fetched = sources_[i]->Fetch();
    if (fetched.ok()) {
      chosen_ = static_cast<int>(i);
      return fetched;
    }
    std::string why = ScrubSecrets(fetched.status().message());
    spdlog::debug("AWS credentials: {} skipped: {}", sources_[i]->Name(), why);
    if (!reasons.empty()) reasons += "; ";
    reasons += sources_[i]->Name() + " (" + why + ")";
  }
  return Status::Auth("no AWS credentials found: " + reasons);
}

Status CredentialsProvider::RefreshLocked() {
  Result<AwsCredentials> fetched = FetchLocked();
  std::time_t now = clock_->WallSeconds();
  std::optional<AwsCredentials> kept;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    last_status_ = fetched.status();
    if (fetched.ok()) cached_ = *fetched;
    bool in_window = cached_ && cached_->expiration != 0 &&
                     cached_->expiration - now <= kAdvisoryRefreshSeconds;
    next_attempt_ = in_window ? now + kRetryIntervalSeconds : 0;
    if (!fetched.ok() && cached_ && now < cached_->expiration) kept = cached_;
  }
  if (fetched.ok()) {
    spdlog::info("AWS credentials: {}, {}", MaskedForLog(*fetched),
                 fetched->expiration
                     ? "valid until " + ExpiryText(fetched->expiration)
                     : std::string("with no expiry"));
  } else if (kept) {
    spdlog::warn("{}; keeping {} until {}", fetched.status().message(),
                 MaskedForLog(*kept), ExpiryText(kept->expiration));
  }
  return fetched.status();
}

Result<std::unique_ptr<CredentialsProvider>> NewDefaultCredentialsChain(
    const CredentialsEnv& env) {
  if (!env.getenv || !env.read_file || env.clock == nullptr ||
      !env.new_http_client || !env.run_process)
    return Status::InvalidArgument("CredentialsEnv has an unset member");
  std::vector<std::unique_ptr<CredentialSource>> sources;
  sources.push_back(NewEnvironmentSource(env));
  sources.push_back(NewSharedFilesSource(env));
  sources.push_back(NewContainerSource(env));
  sources.push_back(NewInstanceMetadataSource(env));
  return std::make_unique<CredentialsProvider>(std::move(sources), env.clock);
}

int RunCredentialsDiagnostic(const std::vector<std::string>& args) {
  int refreshes = 0;
  std::string level = "info";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--refresh" && i + 1 < args.size()) {
      refreshes = std::atoi(args[++i].c_str());
    } else if (args[i] == "--log-level" && i + 1 < args.size()) {
      level = args[++i];
    } else {
      std::fprintf(stderr,
                   "usage: debug-credentials [--refresh N] "
                   "[--log-level LEVEL]\n");
      return 2;
    }
  }
  if (!InitLogging("", level).ok()) return 2;
  HttpGlobalInit();
  auto chain = NewDefaultCredentialsChain(RealCredentialsEnv());
  if (!chain.ok()) return 2;
  for (int round = 0; round <= refreshes; ++round) {
    if (round > 0) {
      Status s = (*chain)->ForceRefresh();
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return 1;
      }
    }
    Result<AwsCredentials> creds = (*chain)->Get();
    if (!creds.ok()) {
      std::fprintf(stderr, "%s\n", creds.status().ToString().c_str());
      return 1;
    }
    std::printf("credentials: %s, expires %s\n", MaskedForLog(*creds).c_str(),
                ExpiryText(creds->expiration).c_str());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace cfm
