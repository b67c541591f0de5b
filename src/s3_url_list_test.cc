#include "s3_url_list.h"

#include <gtest/gtest.h>

#include <memory>

namespace cfm {
namespace {

// An S3 object that answers HEAD and ranged GETs with If-Match, and can be
// replaced by a new version.
struct FakeObject {
  std::string body;
  std::string etag = "\"v1\"";
  int gets = 0;
};

class FakeS3 : public HttpClient {
 public:
  explicit FakeS3(FakeObject* o) : o_(o) {}
  Result<HttpResponse> Send(const HttpRequest& req) override {
    HttpResponse r;
    if (req.method == "HEAD") {
      r.status = 200;
      r.headers = {{"etag", o_->etag},
                   {"content-length", std::to_string(o_->body.size())}};
      return r;
    }
    ++o_->gets;
    std::string if_match, range;
    for (const auto& [name, value] : req.headers) {
      if (name == "If-Match") if_match = value;
      if (name == "Range") range = value;
    }
    if (if_match != o_->etag) {
      r.status = 412;
      r.body = "<Error><Code>PreconditionFailed</Code></Error>";
      return r;
    }
    size_t first = std::stoul(range.substr(6));
    size_t last = std::stoul(range.substr(range.find('-') + 1));
    r.status = 206;
    r.body = o_->body.substr(first, last - first + 1);
    return r;
  }

 private:
  FakeObject* o_;
};

StoreAccess Access() {
  StoreAccess a;
  a.endpoint = *MakeS3Endpoint("us-west-2", "http://127.0.0.1:9");
  a.credentials = [] {
    AwsCredentials c;
    c.access_key_id = "AKID";
    c.secret_access_key = "secret";
    return Result<AwsCredentials>(c);
  };
  return a;
}

TEST(S3UrlListTest, ReadsTheListLeniently) {
  FakeObject obj;
  obj.body =
      "\xEF\xBB\xBFhttp://h/1.jpg\r\n\n  http://h/2.jpg\tx\nhttp://h/3.jpg";
  S3ListOpener opener(Access(), [&] { return std::make_unique<FakeS3>(&obj); });
  SetRemoteListOpener(opener.AsOpener());
  auto reader = UrlListReader::Open("s3://b/lists/urls.txt");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<std::string> urls;
  std::string url;
  while ((*reader)->Next(&url, nullptr)) urls.push_back(url);
  EXPECT_TRUE((*reader)->status().ok());
  EXPECT_EQ(urls, (std::vector<std::string>{"http://h/1.jpg", "http://h/2.jpg",
                                            "http://h/3.jpg"}));
  EXPECT_EQ(opener.Info("s3://b/lists/urls.txt").etag, "\"v1\"");
  SetRemoteListOpener(nullptr);
}

TEST(S3UrlListTest, AListReplacedBetweenPassesIsRefused) {
  FakeObject obj;
  obj.body = "http://h/1.jpg\n";
  S3ListOpener opener(Access(), [&] { return std::make_unique<FakeS3>(&obj); });
  SetRemoteListOpener(opener.AsOpener());
  std::string url;
  {
    auto first = UrlListReader::Open("s3://b/urls.txt");
    ASSERT_TRUE(first.ok());
    while ((*first)->Next(&url, nullptr)) {
    }
    ASSERT_TRUE((*first)->status().ok());
  }
  obj.body = "http://h/1.jpg\nhttp://h/2.jpg\n";
  obj.etag = "\"v2\"";
  auto second = UrlListReader::Open("s3://b/urls.txt");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE((*second)->Next(&url, nullptr));
  Status s = (*second)->status();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("changed while this run read it"),
            std::string::npos)
      << s.ToString();
  SetRemoteListOpener(nullptr);
}

TEST(S3UrlListTest, WithoutAnOpenerS3PathsAreRefused) {
  auto r = UrlListReader::Open("s3://b/urls.txt");
  EXPECT_FALSE(r.ok());
}

TEST(S3UrlListTest, ParsesUris) {
  Result<S3Uri> u = ParseS3Uri("s3://bkt/a/b.txt", false, "X");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->bucket, "bkt");
  EXPECT_EQ(u->key, "a/b.txt");
  EXPECT_EQ(ParseS3Uri("s3://bkt/state", true, "STATE_URI")->key, "state/");
  EXPECT_EQ(ParseS3Uri("s3://bkt", true, "STATE_URI")->key, "");
  EXPECT_FALSE(ParseS3Uri("s3://bkt/", false, "X").ok());
  Result<S3Uri> bad = ParseS3Uri("https://x/y", true, "STATE_URI");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("STATE_URI=https://x/y"),
            std::string::npos);
}

}  // namespace
}  // namespace cfm
