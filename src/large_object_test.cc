// The multipart path on a scripted blocking client: parts, the whole-object
// check, and the abort of an upload that cannot be completed.
#include "large_object.h"

#include <gtest/gtest.h>

#include <mutex>

#include "engine_test_rig.h"

namespace cfm {
namespace {

// Answers by the first rule whose text is in "METHOD URL Range".
class ScriptedHttp : public HttpClient {
 public:
  struct Log {
    std::mutex mu;
    std::vector<std::string> requests;
  };
  using Rule = std::function<bool(const HttpRequest&, HttpResponse*)>;
  ScriptedHttp(Log* log, std::vector<Rule> rules)
      : log_(log), rules_(std::move(rules)) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    std::string range;
    for (const auto& [n, v] : request.headers)
      if (n == "Range") range = " " + v;
    {
      std::lock_guard<std::mutex> lock(log_->mu);
      log_->requests.push_back(request.method + " " + request.url + range);
    }
    HttpResponse r;
    for (const Rule& rule : rules_)
      if (rule(request, &r)) return r;
    r.status = 404;
    return r;
  }

 private:
  Log* log_;
  std::vector<Rule> rules_;
};

const std::string kWhole = "0123456789abcdefghij";  // two parts of 10

ScriptedHttp::Rule SourceRanges() {
  return [](const HttpRequest& q, HttpResponse* r) {
    if (q.method != "GET") return false;
    std::string range;
    for (const auto& [n, v] : q.headers)
      if (n == "Range") range = v;
    int64_t first = range == "bytes=0-9" ? 0 : 10;
    r->status = 206;
    r->body = kWhole.substr(first, 10);
    r->headers = {{"content-range", "bytes " + std::to_string(first) + "-" +
                                        std::to_string(first + 9) + "/20"},
                  {"etag", "\"" + HexEncode(Md5(kWhole)) + "\""},
                  {"content-type", "image/jpeg"}};
    return true;
  };
}

ScriptedHttp::Rule S3(
    const std::string& method, const std::string& part, long status,
    const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& h = {}) {
  return [=](const HttpRequest& q, HttpResponse* r) {
    if (q.method != method || q.url.find(part) == std::string::npos)
      return false;
    r->status = status;
    r->body = body;
    r->headers = h;
    return true;
  };
}

struct PoolRig : EngineRig {
  ScriptedHttp::Log log;
  PoolRig() {
    ctx.options.part_size = 10;
    ctx.options.multipart_threshold = 10;
    ctx.options.large_workers = 1;
    ctx.options.max_retries = 0;  // no backoff: the pool waits on real time
  }
  void Copy(const std::vector<ScriptedHttp::Rule>& rules) {
    LargeObjectPool pool(&ctx, [this, rules] {
      return std::make_unique<ScriptedHttp>(&log, rules);
    });
    auto job = std::make_unique<Job>();
    job->url = "http://src/big.jpg";
    job->key = "images/big.jpg";
    job->slot = InflightSlot(&ctx.run.in_flight);
    pool.Submit(std::move(job));
    pool.Close();
  }
  int Count(const std::string& text) {
    int n = 0;
    for (const std::string& r : log.requests)
      if (r.find(text) != std::string::npos) ++n;
    return n;
  }
};

const char kCreated[] =
    "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
    "</InitiateMultipartUploadResult>";
const char kCompleted[] =
    "<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag>"
    "</CompleteMultipartUploadResult>";

TEST(LargeObjectTest, CopiesPartByPartAndChecksTheWhole) {
  PoolRig rig;
  rig.Copy({SourceRanges(), S3("POST", "?uploads", 200, kCreated),
            S3("PUT", "partNumber=", 200, "", {{"etag", "\"p\""}}),
            S3("POST", "uploadId=U1", 200, kCompleted)});
  EXPECT_EQ(rig.Count("bytes=0-9"), 1);
  EXPECT_EQ(rig.Count("bytes=10-19"), 1);
  EXPECT_EQ(rig.Count("partNumber=1"), 1);
  EXPECT_EQ(rig.Count("partNumber=2"), 1);
  EXPECT_EQ(rig.Count("DELETE"), 0);
  EXPECT_NE(
      rig.Completed().find("http://src/big.jpg\timages/big.jpg\t20\tmd5:" +
                           HexEncode(Md5(kWhole))),
      std::string::npos);
  EXPECT_EQ(rig.ctx.run.in_flight.load(), 0);
}

TEST(LargeObjectTest, APartThatFailsAbortsTheUpload) {
  PoolRig rig;
  rig.Copy({SourceRanges(), S3("POST", "?uploads", 200, kCreated),
            S3("PUT", "partNumber=1", 200, "", {{"etag", "\"p\""}}),
            S3("PUT", "partNumber=2", 400,
               "<Error><Code>InvalidArgument</Code><Message>m</Message>"
               "</Error>"),
            S3("DELETE", "uploadId=U1", 204, "")});
  EXPECT_EQ(rig.Count("POST https://s3.test/bucket/images/big.jpg?uploadId"),
            0);  // never completed
  EXPECT_EQ(rig.Count("DELETE"), 1);
  EXPECT_EQ(rig.Failed(), "http://src/big.jpg\ts3 InvalidArgument\n");
  EXPECT_EQ(rig.ctx.run.in_flight.load(), 0);
}

TEST(LargeObjectTest, PartThatKeepsFailingIsRecordedAndAborted) {
  PoolRig rig;
  rig.ctx.options.max_retries = 0;
  rig.Copy({SourceRanges(), S3("POST", "?uploads", 200, kCreated),
            S3("PUT", "partNumber=1", 500,
               "<Error><Code>InternalError</Code></Error>"),
            S3("DELETE", "uploadId=U1", 204, "")});
  EXPECT_EQ(rig.Count("DELETE"), 1);
  EXPECT_EQ(rig.Failed(), "http://src/big.jpg\ts3 InternalError\n");
}

TEST(LargeObjectTest, SourceThatChangesMidCopyIsNotCompleted) {
  PoolRig rig;
  int calls = 0;
  ScriptedHttp::Rule changing = [&calls](const HttpRequest& q,
                                         HttpResponse* r) {
    if (q.method != "GET") return false;
    bool second = calls++ > 0;
    r->status = 206;
    r->body = kWhole.substr(second ? 10 : 0, 10);
    r->headers = {{"content-range", second ? "bytes 10-19/20" : "bytes 0-9/20"},
                  {"etag", second ? "\"other\"" : "\"first\""}};
    return true;
  };
  rig.Copy({changing, S3("POST", "?uploads", 200, kCreated),
            S3("PUT", "partNumber=", 200, "", {{"etag", "\"p\""}}),
            S3("DELETE", "uploadId=U1", 204, "")});
  EXPECT_EQ(rig.Count("DELETE"), 1);
  EXPECT_EQ(rig.Failed(),
            "http://src/big.jpg\tsource changed during the copy\n");
}

}  // namespace
}  // namespace cfm
