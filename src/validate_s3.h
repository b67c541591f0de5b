// The network side of `cfmigrate validate`: ListObjectsV2 pages and object
// fetches over the project's S3 client and HTTP client, with the error
// messages users need (which IAM permission is missing).
#ifndef CFMIGRATE_VALIDATE_S3_H_
#define CFMIGRATE_VALIDATE_S3_H_

#include <functional>
#include <memory>
#include <string>

#include "parallel_lister.h"
#include "s3_client.h"
#include "validator_checks.h"

namespace cfm {

// What every S3 client of a validate run is made from.
struct ValidateS3Config {
  S3Target target;
  CredentialsSource credentials;
  CredentialsRefresh refresh_credentials;
  long source_timeout_ms = 30000;  // DOWNLOAD_TIMEOUT
};

// A new S3 client for one thread.
std::unique_ptr<S3Client> NewValidateS3Client(const ValidateS3Config& c);

// A PageFetcher listing `prefix` with its own client. Transient errors
// (SlowDown, 5xx, timeouts) are retried up to 5 times with backoff
// (1, 2, 4, 8, 16 s). AccessDenied fails with kAuth saying that
// s3:ListBucket is missing; NoSuchBucket with kInvalidArgument; other
// errors that stop a run (bad keys, signature) with kAuth.
PageFetcher NewS3PageFetcher(const ValidateS3Config& c,
                             const std::string& prefix);

// An ObjectFetcher: the source over plain HTTP(S) (identity encoding), the
// destination through GetObject. AccessDenied on the destination fails with
// kAuth saying that s3:GetObject is missing.
std::unique_ptr<ObjectFetcher> NewS3ObjectFetcher(const ValidateS3Config& c);

// The message for an S3 AccessDenied answer to `operation`
// ("ListObjectsV2", "GetObject") on `bucket`. Pure.
std::string MissingPermissionMessage(const std::string& operation,
                                     const std::string& bucket,
                                     const std::string& detail);

}  // namespace cfm

#endif  // CFMIGRATE_VALIDATE_S3_H_
