// The links of the default credentials chain and the helpers they share.
// Internal to the credentials module (credentials.h is the public face);
// declared here so tests can drive each source alone.
#ifndef CFMIGRATE_CREDENTIALS_SOURCES_H_
#define CFMIGRATE_CREDENTIALS_SOURCES_H_

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "credentials.h"

namespace cfm {

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (or the
// legacy AWS_SECURITY_TOKEN). Empty values count as unset.
std::unique_ptr<CredentialSource> NewEnvironmentSource(CredentialsEnv env);

// The AWS_PROFILE profile (default "default") of the shared credentials
// file (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials; sections [NAME])
// and the config file (AWS_CONFIG_FILE, ~/.aws/config; sections
// [profile NAME] and [default]). Precedence as botocore: static keys in the
// credentials file, then credential_process (either file, credentials file
// first), then static keys in the config file. Files are re-read on every
// Fetch, so a refresh sees edits.
std::unique_ptr<CredentialSource> NewSharedFilesSource(CredentialsEnv env);

// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on http://169.254.170.2) or
// AWS_CONTAINER_CREDENTIALS_FULL_URI (https anywhere; http only to a
// loopback or the ECS/EKS agent address), with the Authorization header
// from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN.
std::unique_ptr<CredentialSource> NewContainerSource(CredentialsEnv env);

// EC2 instance metadata, IMDSv2 (falls back to IMDSv1 when the token PUT
// answers 403/404/405). Endpoint AWS_EC2_METADATA_SERVICE_ENDPOINT or
// http://169.254.169.254; skipped when AWS_EC2_METADATA_DISABLED=true. The
// session token is cached for its TTL and renewed once on a 401.
std::unique_ptr<CredentialSource> NewInstanceMetadataSource(CredentialsEnv env);

// Runs a credential_process command through env.run_process and parses its
// JSON ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
// "Expiration"}). Errors name `what` (e.g. "credential_process of profile
// dev"), include the command's scrubbed stderr, and never a secret.
Result<AwsCredentials> CredentialsFromProcess(const CredentialsEnv& env,
                                              const std::string& command,
                                              const std::string& what);

// Runs `command` with /bin/sh -c, stdin from /dev/null, capturing stdout
// and stderr (each capped at 1 MiB). Kills the process group after
// `timeout_seconds`, which is a kTimeout error. Thread-safe.
Result<ProcessOutput> RunShellCommand(const std::string& command,
                                      int timeout_seconds);

// Parses a credentials JSON object with fields AccessKeyId, SecretAccessKey,
// `token_field` (optional) and Expiration (optional, ISO 8601). Sets
// provider to `provider`. Errors never quote the document.
Result<AwsCredentials> ParseCredentialsJson(std::string_view body,
                                            const char* token_field,
                                            const std::string& provider);

// "2026-11-28T12:00:00Z", "...T12:00:00.123Z" or "...+01:00" → epoch
// seconds; kInvalidArgument otherwise.
Result<std::time_t> ParseIso8601(std::string_view text);
// Epoch seconds → "2026-11-28T12:00:00Z".
std::string FormatIso8601(std::time_t t);

// Replaces each occurrence of a `known` secret, and every run of 40 or more
// characters that could be a secret key or session token (letters, digits,
// + / = \), with "<redacted>". For text from outside (stderr, server
// replies) that goes into a message.
std::string ScrubSecrets(std::string_view text,
                         const std::vector<std::string>& known = {});

// The value of environment variable `name`, nullopt when unset or empty.
std::optional<std::string> NonEmptyEnv(const CredentialsEnv& env,
                                       const std::string& name);

}  // namespace cfm

#endif  // CFMIGRATE_CREDENTIALS_SOURCES_H_
