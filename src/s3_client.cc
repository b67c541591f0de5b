#include "s3_client.h"

#include <utility>

namespace cfm {

S3Client::S3Client(S3ClientOptions options, std::unique_ptr<HttpClient> http)
    : options_(std::move(options)), http_(std::move(http)) {
  if (options_.clock == nullptr) options_.clock = SystemClock();
}

template <typename T, typename Parse>
S3Result<T> S3Client::Run(const std::string& what, std::string_view body,
                          const Builder& build, const Parse& parse) {
  bool refreshed = false;
  for (;;) {
    Result<AwsCredentials> creds = options_.credentials();
    if (!creds.ok()) return S3ErrorFromCredentials(what, creds.status());
    HttpRequest request = build(*creds, options_.clock->WallSeconds());
    if (!body.empty()) request.body = std::string(body);
    request.timeout_ms = options_.timeout_ms;
    request.connect_timeout_ms = options_.connect_timeout_ms;
    Result<HttpResponse> response = http_->Send(request);
    if (!response.ok()) return S3ErrorFromTransport(what, response.status());
    S3Result<T> result = parse(what, std::move(*response));
    if (result.ok() ||
        result.error_class() != S3ErrorClass::kRefreshCredentials)
      return result;
    if (refreshed || !options_.refresh_credentials) {
      return AfterFailedRefresh(
          result.error(),
          Status::Auth(refreshed ? "still refused after a refresh"
                                 : "no way to refresh them"));
    }
    Status refresh = options_.refresh_credentials();
    if (!refresh.ok()) return AfterFailedRefresh(result.error(), refresh);
    refreshed = true;
  }
}

S3Error S3Client::AfterFailedRefresh(S3Error error,
                                     const Status& refresh) const {
  error.error_class = S3ErrorClass::kStopRun;
  error.status = Status::Auth(error.status.message() +
                              "; credentials expired: " + refresh.message());
  return error;
}

S3Result<PutObjectResult> S3Client::PutObject(const PutObjectParams& params,
                                              std::string_view body) {
  return Run<PutObjectResult>(
      S3What("PUT", params.key), body,
      [&](const AwsCredentials& c, std::time_t now) {
        return BuildPutObject(options_.target, params, body, c, now);
      },
      ParsePutObject);
}

S3Result<std::string> S3Client::CreateMultipartUpload(
    const PutObjectParams& params) {
  return Run<std::string>(
      S3What("POST", params.key) + "?uploads", "",
      [&](const AwsCredentials& c, std::time_t now) {
        return BuildCreateMultipartUpload(options_.target, params, c, now);
      },
      ParseCreateMultipartUpload);
}

S3Result<std::string> S3Client::UploadPart(std::string_view key,
                                           std::string_view upload_id,
                                           int part_number,
                                           std::string_view body,
                                           std::string_view content_md5) {
  auto parse = [](std::string_view what,
                  const HttpResponse& r) -> S3Result<std::string> {
    S3Result<PutObjectResult> put = ParsePutObject(what, r);
    if (!put.ok()) return put.error();
    return put->etag;
  };
  return Run<std::string>(
      S3What("PUT", key) + " part " + std::to_string(part_number), body,
      [&](const AwsCredentials& c, std::time_t now) {
        return BuildUploadPart(options_.target, key, upload_id, part_number,
                               body, content_md5, c, now);
      },
      parse);
}

S3Result<std::string> S3Client::CompleteMultipartUpload(
    std::string_view key, std::string_view upload_id,
    const std::vector<CompletedPart>& parts) {
  return Run<std::string>(
      S3What("POST", key) + "?uploadId", "",
      [&](const AwsCredentials& c, std::time_t now) {
        return BuildCompleteMultipartUpload(options_.target, key, upload_id,
                                            parts, c, now);
      },
      ParseCompleteMultipartUpload);
}

S3Result<S3Done> S3Client::AbortMultipartUpload(std::string_view key,
                                                std::string_view upload_id) {
  return Run<S3Done>(
      S3What("DELETE", key) + "?uploadId", "",
      [&](const AwsCredentials& c, std::time_t now) {
        return BuildAbortMultipartUpload(options_.target, key, upload_id, c,
                                         now);
      },
      ParseEmpty);
}

S3Result<ObjectInfo> S3Client::HeadObject(std::string_view key) {
  return Run<ObjectInfo>(
      S3What("HEAD", key), "",
      [&](const AwsCredentials& c, std::time_t now) {
        return BuildHeadObject(options_.target, key, c, now);
      },
      ParseHeadObject);
}

S3Result<GetObjectResult> S3Client::GetObject(std::string_view key,
                                              int64_t range_first,
                                              int64_t range_last) {
  return Run<GetObjectResult>(
      S3What("GET", key), "",
      [&](const AwsCredentials& c, std::time_t now) {
        return BuildGetObject(options_.target, key, range_first, range_last, c,
                              now);
      },
      ParseGetObject);
}

S3Result<ListObjectsPage> S3Client::ListObjectsV2(
    const ListObjectsParams& params) {
  return Run<ListObjectsPage>(
      "LIST s3://" + options_.target.bucket + "/" + params.prefix, "",
      [&](const AwsCredentials& c, std::time_t now) {
        return BuildListObjectsV2(options_.target, params, c, now);
      },
      ParseListObjectsV2);
}

}  // namespace cfm
