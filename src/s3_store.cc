#include "s3_store.h"

#include "clock.h"

namespace cfm {
namespace {

constexpr int kAttempts = 3;

// The readable Status for a failed `action` ("s3:PutObject") on `what`.
Status StoreError(const S3Error& e, const std::string& action,
                  const std::string& bucket) {
  if (e.code == "AccessDenied" || e.code == "AllAccessDisabled")
    return Status::Auth("access denied: the credentials need " + action +
                        " on bucket " + bucket + " [" + e.status.message() +
                        "]");
  if (e.code == "NoSuchBucket")
    return Status::InvalidArgument("bucket " + bucket + " does not exist");
  if (e.error_class == S3ErrorClass::kStopRun)
    return Status::Auth(e.status.message());
  return e.status;
}

class S3ObjectStore : public ObjectStore {
 public:
  S3ObjectStore(const StoreAccess& access, std::string bucket)
      : bucket_(std::move(bucket)) {
    S3ClientOptions o;
    o.target = S3Target{access.endpoint, bucket_};
    o.credentials = access.credentials;
    o.refresh_credentials = access.refresh_credentials;
    s3_ = std::make_unique<S3Client>(std::move(o), NewCurlHttpClient());
  }

  Status Put(const std::string& key, const std::string& body) override {
    PutObjectParams p;
    p.key = key;
    p.content_type = "text/plain";
    auto r = Retry([&] { return s3_->PutObject(p, body); });
    if (!r.ok()) return StoreError(r.error(), "s3:PutObject", bucket_);
    return Status::OK();
  }

  Result<std::string> Get(const std::string& key) override {
    auto r = Retry([&] { return s3_->GetObject(key); });
    if (!r.ok()) {
      if (r.error().status.code() == Status::Code::kNotFound)
        return Status::NotFound("s3://" + bucket_ + "/" + key);
      return StoreError(r.error(), "s3:GetObject", bucket_);
    }
    return std::move(r->body);
  }

  Result<std::vector<std::string>> List(const std::string& prefix) override {
    std::vector<std::string> keys;
    ListObjectsParams p;
    p.prefix = prefix;
    while (true) {
      auto r = Retry([&] { return s3_->ListObjectsV2(p); });
      if (!r.ok()) return StoreError(r.error(), "s3:ListBucket", bucket_);
      for (const ListedObject& o : r->objects) keys.push_back(o.key);
      if (!r->is_truncated || r->next_continuation_token.empty()) break;
      p.continuation_token = r->next_continuation_token;
    }
    return keys;
  }

 private:
  // Calls `send` until it succeeds, fails for good, or kAttempts are made.
  template <typename Send>
  auto Retry(const Send& send) -> decltype(send()) {
    for (int attempt = 1;; ++attempt) {
      auto r = send();
      if (r.ok() || attempt == kAttempts ||
          r.error().error_class != S3ErrorClass::kRetry)
        return r;
      SystemClock()->SleepMs(1000LL << (attempt - 1));
    }
  }

  std::string bucket_;
  std::unique_ptr<S3Client> s3_;
};

}  // namespace

Result<S3Uri> ParseS3Uri(std::string_view text, bool prefix,
                         const std::string& what) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument(what + "=" + std::string(text) + ": " + why +
                                   " (expected s3://bucket/" +
                                   (prefix ? "prefix/)" : "key)"));
  };
  if (text.substr(0, 5) != "s3://") return bad("not an s3:// URI");
  std::string_view rest = text.substr(5);
  size_t slash = rest.find('/');
  S3Uri uri;
  uri.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos)
    uri.key = std::string(rest.substr(slash + 1));
  if (uri.bucket.empty()) return bad("no bucket");
  if (prefix && !uri.key.empty() && uri.key.back() != '/') uri.key += '/';
  if (!prefix && (uri.key.empty() || uri.key.back() == '/'))
    return bad("no object key");
  return uri;
}

std::unique_ptr<ObjectStore> NewS3ObjectStore(const StoreAccess& access,
                                              const std::string& bucket) {
  return std::make_unique<S3ObjectStore>(access, bucket);
}

Status MemoryObjectStore::Put(const std::string& key, const std::string& body) {
  std::lock_guard<std::mutex> lock(mu_);
  objects_[key] = body;
  ++puts_;
  return Status::OK();
}

Result<std::string> MemoryObjectStore::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return Status::NotFound(key);
  return it->second;
}

Result<std::vector<std::string>> MemoryObjectStore::List(
    const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> keys;
  for (auto it = objects_.lower_bound(prefix);
       it != objects_.end() && it->first.rfind(prefix, 0) == 0; ++it)
    keys.push_back(it->first);
  return keys;
}

}  // namespace cfm
