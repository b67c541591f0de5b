// A blocking S3 client for control-plane work (listing, HEAD, small PUTs,
// multipart uploads driven step by step). Each call builds and signs one
// request with the pure functions of s3_request.h, sends it through an
// HttpClient and parses the answer. The bulk transfer engine does not use
// this class; it calls the Build*/Parse* functions with its own handles.
//
// No retries happen here except one: when S3 answers ExpiredToken or
// TokenRefreshRequired, the refresh callback (if any) is called once and the
// request is re-signed and re-sent; if that fails or S3 still refuses, the
// error's class becomes kStopRun. Every other failure is returned at once
// with its S3ErrorClass so the caller can decide.
//
// Threading: one S3Client (like its HttpClient) is used by one thread at a
// time. The credentials callbacks are called on the calling thread.
#ifndef CFMIGRATE_S3_CLIENT_H_
#define CFMIGRATE_S3_CLIENT_H_

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws_credentials.h"
#include "clock.h"
#include "http.h"
#include "s3_error.h"
#include "s3_request.h"
#include "status.h"

namespace cfm {

// Returns the credentials to sign the next request with (cached by the
// provider; called before every request).
using CredentialsSource = std::function<Result<AwsCredentials>()>;
// Forces the provider to fetch new credentials; OK when it did.
using CredentialsRefresh = std::function<Status()>;

struct S3ClientOptions {
  S3Target target;
  CredentialsSource credentials;           // required
  CredentialsRefresh refresh_credentials;  // optional
  Clock* clock = nullptr;   // signing time; borrowed; null: SystemClock()
  long timeout_ms = 60000;  // whole request (UPLOAD_TIMEOUT)
  long connect_timeout_ms = 10000;
};

class S3Client {
 public:
  // Takes ownership of `http` (must not be null).
  S3Client(S3ClientOptions options, std::unique_ptr<HttpClient> http);

  // Single PUT of `body` (copied into the request). Returns the ETag.
  S3Result<PutObjectResult> PutObject(const PutObjectParams& params,
                                      std::string_view body);

  // Multipart upload, step by step. Create returns the UploadId; UploadPart
  // returns the part's ETag (quoted) for CompletedPart; Complete returns the
  // object's ETag. Abort an upload that will not be completed.
  S3Result<std::string> CreateMultipartUpload(const PutObjectParams& params);
  S3Result<std::string> UploadPart(std::string_view key,
                                   std::string_view upload_id, int part_number,
                                   std::string_view body,
                                   std::string_view content_md5 = "");
  S3Result<std::string> CompleteMultipartUpload(
      std::string_view key, std::string_view upload_id,
      const std::vector<CompletedPart>& parts);
  S3Result<S3Done> AbortMultipartUpload(std::string_view key,
                                        std::string_view upload_id);

  // Size, ETag and Content-Type of `key`; a missing key is an error with
  // code NoSuchKey and status kNotFound.
  S3Result<ObjectInfo> HeadObject(std::string_view key);

  // The object's bytes, or bytes [range_first, range_last] when
  // range_last >= 0.
  S3Result<GetObjectResult> GetObject(std::string_view key,
                                      int64_t range_first = 0,
                                      int64_t range_last = -1);

  // One page of keys; pass page.next_continuation_token back in `params`
  // until it is empty.
  S3Result<ListObjectsPage> ListObjectsV2(const ListObjectsParams& params);

 private:
  using Builder =
      std::function<HttpRequest(const AwsCredentials&, std::time_t)>;

  template <typename T, typename Parse>
  S3Result<T> Run(const std::string& what, std::string_view body,
                  const Builder& build, const Parse& parse);
  S3Error AfterFailedRefresh(S3Error error, const Status& refresh) const;

  S3ClientOptions options_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace cfm

#endif  // CFMIGRATE_S3_CLIENT_H_
