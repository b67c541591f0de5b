#include "validate_s3.h"

#include "clock.h"
#include "crypto.h"
#include "http.h"
#include "url_escape.h"

namespace cfm {
namespace {

constexpr int kListRetries = 5;

Status MapS3Error(const S3Error& e, const std::string& operation,
                  const std::string& bucket) {
  if (e.code == "AccessDenied" || e.code == "AllAccessDisabled") {
    return Status::Auth(
        MissingPermissionMessage(operation, bucket, e.status.message()));
  }
  if (e.code == "NoSuchBucket") {
    return Status::InvalidArgument("bucket " + bucket +
                                   " does not exist (DESTINATION_BUCKET)");
  }
  if (e.error_class == S3ErrorClass::kStopRun) {
    // Bad credentials, signature, bucket name: the run is misconfigured.
    return Status::Auth(e.status.message());
  }
  return e.status;
}

class S3ObjectFetcher : public ObjectFetcher {
 public:
  explicit S3ObjectFetcher(const ValidateS3Config& c)
      : config_(c), s3_(NewValidateS3Client(c)), http_(NewCurlHttpClient()) {}

  Result<SourceHead> Head(const std::string& url) override {
    Result<HttpResponse> r = Send("HEAD", url);
    if (!r.ok()) return r.status();
    SourceHead h;
    h.etag = r->Header("etag");
    std::string length = r->Header("content-length");
    if (!length.empty() &&
        length.find_first_not_of("0123456789") == std::string::npos) {
      h.length = std::stoll(length);
    }
    return h;
  }

  Result<ObjectDigest> Source(const std::string& url) override {
    Result<HttpResponse> r = Send("GET", url);
    if (!r.ok()) return r.status();
    return ObjectDigest{r->body.size(), Md5(r->body)};
  }

  Result<ObjectDigest> Destination(const std::string& key) override {
    S3Result<GetObjectResult> r = s3_->GetObject(key);
    if (!r.ok()) {
      return MapS3Error(r.error(), "GetObject", config_.target.bucket);
    }
    return ObjectDigest{r->body.size(), Md5(r->body)};
  }

 private:
  Result<HttpResponse> Send(const std::string& method, const std::string& url) {
    HttpRequest req;
    req.method = method;
    req.url = NormalizeUrl(url);  // as migrate requests it
    req.headers.push_back({"Accept-Encoding", "identity"});
    req.timeout_ms = config_.source_timeout_ms;
    Result<HttpResponse> r = http_->Send(req);
    if (r.ok() && r->status != 200) {
      return Status::Http(method + " " + url + ": http " +
                          std::to_string(r->status));
    }
    return r;
  }

  ValidateS3Config config_;
  std::unique_ptr<S3Client> s3_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace

std::string MissingPermissionMessage(const std::string& operation,
                                     const std::string& bucket,
                                     const std::string& detail) {
  std::string permission =
      operation == "GetObject" ? "s3:GetObject" : "s3:ListBucket";
  std::string resource = operation == "GetObject"
                             ? "arn:aws:s3:::" + bucket + "/*"
                             : "arn:aws:s3:::" + bucket;
  return "access denied to " + operation + " on bucket " + bucket +
         ": the credentials need " + permission + " on " + resource +
         (operation == "GetObject" ? " (needed by --deep)" : "") + " [" +
         detail + "]";
}

std::unique_ptr<S3Client> NewValidateS3Client(const ValidateS3Config& c) {
  S3ClientOptions o;
  o.target = c.target;
  o.credentials = c.credentials;
  o.refresh_credentials = c.refresh_credentials;
  return std::make_unique<S3Client>(std::move(o), NewCurlHttpClient());
}

PageFetcher NewS3PageFetcher(const ValidateS3Config& c,
                             const std::string& prefix) {
  std::shared_ptr<S3Client> s3 = NewValidateS3Client(c);
  std::string bucket = c.target.bucket;
  return [s3, prefix, bucket](const std::string& start_after,
                              const std::string& token) -> Result<ListPage> {
    ListObjectsParams p;
    p.prefix = prefix;
    p.start_after = start_after;
    p.continuation_token = token;
    for (int attempt = 0;; ++attempt) {
      S3Result<ListObjectsPage> r = s3->ListObjectsV2(p);
      if (r.ok()) {
        ListPage page;
        page.truncated = r->is_truncated;
        page.next_token = r->next_continuation_token;
        page.objects.reserve(r->objects.size());
        for (ListedObject& o : r->objects) {
          page.objects.push_back(
              ListedEntry{std::move(o.key), o.size, std::move(o.etag)});
        }
        return page;
      }
      if (r.error_class() != S3ErrorClass::kRetry || attempt >= kListRetries) {
        return MapS3Error(r.error(), "ListObjectsV2", bucket);
      }
      SystemClock()->SleepMs(int64_t{1000} << attempt);
    }
  };
}

std::unique_ptr<ObjectFetcher> NewS3ObjectFetcher(const ValidateS3Config& c) {
  return std::make_unique<S3ObjectFetcher>(c);
}

}  // namespace cfm
