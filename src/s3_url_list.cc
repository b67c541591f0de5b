#include "s3_url_list.h"

#include <algorithm>
#include <ctime>

#include "clock.h"

namespace cfm {
namespace {

constexpr uint64_t kRangeBytes = 8 << 20;

// Reads one S3 object range by range, each with If-Match.
class S3ListSource : public ListSource {
 public:
  S3ListSource(StoreAccess access, S3Uri uri, RemoteListInfo info,
               std::unique_ptr<HttpClient> http)
      : access_(std::move(access)),
        uri_(std::move(uri)),
        info_(std::move(info)),
        http_(std::move(http)) {}

  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ == chunk_.size()) {
      if (offset_ >= info_.size) return size_t{0};
      Status s = FetchNext();
      if (!s.ok()) return s;
    }
    size_t take = std::min(n, chunk_.size() - pos_);
    std::copy_n(chunk_.data() + pos_, take, buf);
    pos_ += take;
    return take;
  }

 private:
  Status FetchNext() {
    Result<AwsCredentials> creds = access_.credentials();
    if (!creds.ok()) return creds.status();
    uint64_t last = std::min(info_.size, offset_ + kRangeBytes) - 1;
    HttpRequest req = BuildS3Request(
        S3Target{access_.endpoint, uri_.bucket}, "GET", uri_.key, {},
        {{"Range",
          "bytes=" + std::to_string(offset_) + "-" + std::to_string(last)},
         {"If-Match", info_.etag}},
        "", *creds, SystemClock()->WallSeconds());
    req.timeout_ms = 120000;
    Result<HttpResponse> r = http_->Send(req);
    if (!r.ok()) return r.status();
    if (r->status == 412)
      return Status::InvalidArgument(ListChangedMessage(info_.uri, info_.etag));
    if (r->status != 206 && r->status != 200)
      return S3ErrorFromResponse("GET " + info_.uri, *r).status;
    if (r->body.size() != last - offset_ + 1)
      return Status::InvalidArgument(ListChangedMessage(info_.uri, info_.etag));
    chunk_ = std::move(r->body);
    pos_ = 0;
    offset_ = last + 1;
    return Status::OK();
  }

  StoreAccess access_;
  S3Uri uri_;
  RemoteListInfo info_;
  std::unique_ptr<HttpClient> http_;
  std::string chunk_;
  size_t pos_ = 0;
  uint64_t offset_ = 0;
};

}  // namespace

std::string ListChangedMessage(const std::string& uri,
                               const std::string& etag) {
  return "SOURCE_URLS_FILE " + uri + " changed while this run read it (ETag " +
         etag +
         " at the start): every shard must read the same list. Put the "
         "list back, or let every shard finish and start them all again "
         "with the new list";
}

S3ListOpener::S3ListOpener(
    StoreAccess access,
    std::function<std::unique_ptr<HttpClient>()> http_factory)
    : access_(std::move(access)), http_factory_(std::move(http_factory)) {
  if (!http_factory_) http_factory_ = [] { return NewCurlHttpClient(); };
}

Result<RemoteListInfo> S3ListOpener::Head(const S3Uri& uri, HttpClient* http) {
  Result<AwsCredentials> creds = access_.credentials();
  if (!creds.ok()) return creds.status();
  HttpRequest req =
      BuildHeadObject(S3Target{access_.endpoint, uri.bucket}, uri.key, *creds,
                      SystemClock()->WallSeconds());
  Result<HttpResponse> r = http->Send(req);
  if (!r.ok()) return r.status();
  S3Result<ObjectInfo> info = ParseHeadObject("HEAD " + uri.ToString(), *r);
  if (!info.ok()) {
    const S3Error& e = info.error();
    if (e.http_status == 404)
      return Status::NotFound("SOURCE_URLS_FILE " + uri.ToString() +
                              ": no such object");
    if (e.http_status == 403)
      return Status::Auth("SOURCE_URLS_FILE " + uri.ToString() +
                          ": access denied; the credentials need "
                          "s3:GetObject on it");
    return e.status;
  }
  return RemoteListInfo{uri.ToString(), info->etag, info->size};
}

Result<std::unique_ptr<ListSource>> S3ListOpener::Open(
    const std::string& text) {
  Result<S3Uri> uri = ParseS3Uri(text, false, "SOURCE_URLS_FILE");
  if (!uri.ok()) return uri.status();
  std::unique_ptr<HttpClient> http = http_factory_();
  RemoteListInfo info;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = seen_.find(text);
    if (it != seen_.end()) info = it->second;
  }
  if (info.etag.empty()) {
    Result<RemoteListInfo> head = Head(*uri, http.get());
    if (!head.ok()) return head.status();
    std::lock_guard<std::mutex> lock(mu_);
    info = seen_.emplace(text, *head).first->second;
  }
  return std::unique_ptr<ListSource>(
      new S3ListSource(access_, *uri, info, std::move(http)));
}

RemoteListInfo S3ListOpener::Info(const std::string& uri) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = seen_.find(uri);
  return it == seen_.end() ? RemoteListInfo{uri, "", 0} : it->second;
}

}  // namespace cfm
