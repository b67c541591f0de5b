// A migrate engine on fakes for unit tests: a FakeClock, a FakeTransport,
// a list of URLs as the job queue, and a real ResultSink writing
// completed.txt and failed_transfers.txt in a temporary directory.
#ifndef CFMIGRATE_ENGINE_TEST_RIG_H_
#define CFMIGRATE_ENGINE_TEST_RIG_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "completed_log.h"
#include "crypto.h"
#include "fake_transport.h"
#include "migrate_context.h"
#include "result_sink.h"
#include "test_util.h"
#include "transfer_loop.h"

namespace cfm {

class ListQueue : public JobQueue {
 public:
  void Add(const std::string& url, const std::string& key) {
    auto job = std::make_unique<Job>();
    job->url = url;
    job->key = key;
    jobs_.push_back(std::move(job));
  }
  std::unique_ptr<Job> TryTake() override {
    if (jobs_.empty()) return nullptr;
    std::unique_ptr<Job> job = std::move(jobs_.front());
    jobs_.pop_front();
    return job;
  }
  bool Exhausted() const override { return jobs_.empty(); }

 private:
  std::deque<std::unique_ptr<Job>> jobs_;
};

struct EngineRig {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<CompletedLog> completed =
      std::move(*CompletedLog::Open(dir.File("completed.txt"), "bucket"));
  std::unique_ptr<AppendOnlyFile> failed =
      std::move(*OpenFailedList(dir.File("failed.txt")));
  ResultSink sink{completed.get(), failed.get()};
  ListQueue feed;
  MigrateContext ctx;
  std::unique_ptr<FakeTransport> owned =
      std::make_unique<FakeTransport>(&clock);
  FakeTransport* net = owned.get();

  explicit EngineRig(int concurrency = 4, const std::string& scheme = "https") {
    ctx.clock = &clock;
    ctx.feed = &feed;
    ctx.sink = &sink;
    ctx.limit = std::make_unique<ConcurrencyLimit>(concurrency);
    ctx.s3.target.endpoint.scheme = scheme;
    ctx.s3.target.endpoint.host = "s3.test";
    ctx.s3.target.endpoint.path_style = true;
    ctx.s3.target.bucket = "bucket";
    ctx.s3.credentials = [] {
      AwsCredentials c;
      c.access_key_id = "AKIDEXAMPLE";
      c.secret_access_key = "secret";
      return Result<AwsCredentials>(c);
    };
    ctx.options.tls.s3_ca_file = "/s3-ca.pem";
    ctx.options.tls.source_ca_file = "/source-ca.pem";
  }

  std::unique_ptr<TransferLoop> loop;

  // Runs one loop until the queue is done (or the run stops). The loop (and
  // with it `net`) lives until the rig goes or `loop` is reset.
  void Run() {
    loop = std::make_unique<TransferLoop>(&ctx, std::move(owned));
    loop->Run();
  }

  std::string Completed() const { return ReadFile(dir.File("completed.txt")); }
  std::string Failed() const { return ReadFile(dir.File("failed.txt")); }

  // The requests the fake saw whose "METHOD URL" contains `match`.
  std::vector<FakeTransport::Seen> Seen(const std::string& match) const {
    std::vector<FakeTransport::Seen> out;
    for (const auto& s : net->seen)
      if ((s.method + " " + s.url).find(match) != std::string::npos)
        out.push_back(s);
    return out;
  }
};

// A source 200 with Content-Length and a plain-MD5 ETag (streamable).
inline FakeAnswer Image(const std::string& body) {
  FakeAnswer a;
  a.headers = {{"content-length", std::to_string(body.size())},
               {"content-type", "image/jpeg"},
               {"etag", "\"" + HexEncode(Md5(body)) + "\""}};
  a.body = body;
  return a;
}

inline FakeAnswer Reply(long status, std::string body = "") {
  FakeAnswer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

inline FakeAnswer S3Fail(long status, const std::string& code) {
  return Reply(status,
               "<Error><Code>" + code + "</Code><Message>m</Message></Error>");
}

}  // namespace cfm

#endif  // CFMIGRATE_ENGINE_TEST_RIG_H_
