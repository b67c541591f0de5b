// The AWS credentials chain, in the order the AWS SDKs use: environment,
// shared credentials/config files (static keys, credential_process),
// container credentials endpoint, EC2 instance metadata (IMDSv2). A
// CredentialsProvider caches what the chain found and refreshes temporary
// credentials before they expire. Secrets never appear in a log line or a
// Status message produced here.
#ifndef CFMIGRATE_CREDENTIALS_H_
#define CFMIGRATE_CREDENTIALS_H_

#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws_credentials.h"
#include "clock.h"
#include "http.h"
#include "status.h"

namespace cfm {

// What a credential_process run produced.
struct ProcessOutput {
  int exit_code = 0;  // 128 + signal number when killed by a signal
  std::string out;    // stdout
  std::string err;    // stderr
};

// Every outside effect of the chain, injectable so tests use fakes. All
// members must be set (RealCredentialsEnv() fills them) and be callable
// from any thread; calls happen one at a time per provider.
struct CredentialsEnv {
  // The value of an environment variable; nullopt when unset.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // A whole file; kNotFound when it does not exist, kIOError otherwise.
  std::function<Result<std::string>(const std::string& path)> read_file;
  // Wall time (seconds since the epoch) for expiry; borrowed, thread-safe.
  Clock* clock = nullptr;
  // A fresh client; the caller owns it and uses it from one thread.
  std::function<std::unique_ptr<HttpClient>()> new_http_client;
  // Runs `command` with /bin/sh -c and waits for it; fails only when it
  // cannot be started or runs past its time limit.
  std::function<Result<ProcessOutput>(const std::string& command)> run_process;
};

// The process environment, the real file system, the wall clock, libcurl
// and /bin/sh (credential_process gets 60 s).
CredentialsEnv RealCredentialsEnv();

// One link of the chain. Not thread-safe: CredentialsProvider serialises
// calls.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // Short name used in messages: "environment", "shared files", ...
  virtual std::string Name() const = 0;
  // Fetches fresh credentials (provider field set). kNotFound: this source
  // is not configured, the message says why it was skipped. Any other code:
  // it is configured but failed; the message names what failed and never
  // contains a secret.
  virtual Result<AwsCredentials> Fetch() = 0;
};

// Caches credentials from the first source that yields them and refreshes
// from that same source. Thread-safe: any number of threads may call Get()
// and ForceRefresh() at once; fetching is single-flight and outside the
// lock that guards the cached value, and callers receive whole copies.
class CredentialsProvider {
 public:
  // Refresh when fewer than this many seconds of validity remain: advisory
  // (others keep using the cached ones meanwhile; a failure keeps them) and
  // mandatory (callers wait for the refresh).
  static constexpr std::time_t kAdvisoryRefreshSeconds = 15 * 60L;
  static constexpr std::time_t kMandatoryRefreshSeconds = 10 * 60L;
  // After a refresh that left the credentials inside the refresh window
  // (failed, or the source handed out soon-expiring ones), wait this long
  // before trying again while the cached ones are still valid.
  static constexpr std::time_t kRetryIntervalSeconds = 30;

  // `clock` (wall seconds) is borrowed and must be thread-safe.
  CredentialsProvider(std::vector<std::unique_ptr<CredentialSource>> sources,
                      Clock* clock);

  // Valid credentials, fetched or refreshed as needed. Fails with kAuth
  // when no source yields any (one message naming every source and why
  // each was skipped), or when refreshing expired ones failed.
  Result<AwsCredentials> Get();

  // Fetches new credentials now (call when S3 answers ExpiredToken). Calls
  // that arrive while another refresh is running share its result. On
  // failure the cached credentials stay as they were.
  Status ForceRefresh();

 private:
  enum class Need { kNone, kAdvisory, kMandatory };

  // How urgently the cached credentials need a refresh at time `now`.
  // Precondition: mu_ held.
  Need NeedLocked(std::time_t now) const;
  // The cached credentials when still valid, else the last error.
  Result<AwsCredentials> CachedOrLastError();
  unsigned long Generation();
  // Runs the chain (first time) or the source that answered before.
  // Precondition: refresh_mu_ held.
  Result<AwsCredentials> FetchLocked();
  // Fetches and stores; returns the status of the fetch.
  // Precondition: refresh_mu_ held.
  Status RefreshLocked();

  const std::vector<std::unique_ptr<CredentialSource>> sources_;
  Clock* const clock_;

  std::mutex refresh_mu_;  // held for the whole of a fetch; single flight
  int chosen_ = -1;        // index of the source in use; refresh_mu_

  std::mutex mu_;  // guards the members below; never held during a fetch
  std::optional<AwsCredentials> cached_;
  std::time_t next_attempt_ = 0;  // no refresh before this time
  unsigned long generation_ = 0;  // counts refresh attempts
  Status last_status_;            // of the last refresh attempt
};

// The default chain over `env`: environment, shared files, container,
// instance metadata. Fails with kInvalidArgument when a member of `env` is
// missing.
Result<std::unique_ptr<CredentialsProvider>> NewDefaultCredentialsChain(
    const CredentialsEnv& env);

// "AKIA…MPLE from environment": the first and last four characters of the
// key id and the provider; never the secret or the token.
std::string MaskedForLog(const AwsCredentials& credentials);

// Hidden diagnostic (`cfmigrate debug-credentials`): runs the default chain
// over the real environment and prints to stdout one line per fetch:
// "<provider>: <masked key id>, expires <ISO 8601 | never>". Arguments:
// "--refresh N" calls ForceRefresh N times, printing after each. Prints
// the error to stderr and returns 1 when no credentials are found.
int RunCredentialsDiagnostic(const std::vector<std::string>& args = {});

}  // namespace cfm

#endif  // CFMIGRATE_CREDENTIALS_H_
