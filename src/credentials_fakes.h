// Test fakes for the credentials module: an in-memory CredentialsEnv with a
// settable clock and a scripted HTTP transport. Test-only.
#ifndef CFMIGRATE_CREDENTIALS_FAKES_H_
#define CFMIGRATE_CREDENTIALS_FAKES_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "credentials.h"
#include "credentials_sources.h"
#include "test_util.h"

namespace cfm {

// A Clock whose wall time is `*now` (tests set it); sleeping moves it.
class PointerClock : public Clock {
 public:
  explicit PointerClock(std::time_t* now) : now_(now) {}
  int64_t NowMs() override { return static_cast<int64_t>(*now_) * 1000; }
  std::time_t WallSeconds() override { return *now_; }
  void SleepMs(int64_t ms) override { *now_ += ms / 1000; }

 private:
  std::time_t* now_;
};

// Everything the fake env reads and records; shared with the clients.
struct FakeWorld {
  std::map<std::string, std::string> vars;
  std::map<std::string, std::string> files;
  std::time_t now = 1'800'000'000;  // what the env's clock reads
  // Answers one request; unset means "connection refused".
  std::function<Result<HttpResponse>(const HttpRequest&)> http;
  PointerClock clock{&now};
  std::vector<HttpRequest> requests;  // every request sent, in order
  std::mutex mu;

  int Count(const std::string& method, const std::string& url_suffix) {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (const auto& r : requests)
      if (r.method == method && r.url.size() >= url_suffix.size() &&
          r.url.compare(r.url.size() - url_suffix.size(), url_suffix.size(),
                        url_suffix) == 0)
        ++n;
    return n;
  }
};

class FakeHttpClient : public HttpClient {
 public:
  explicit FakeHttpClient(std::shared_ptr<FakeWorld> world)
      : world_(std::move(world)) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    std::function<Result<HttpResponse>(const HttpRequest&)> http;
    {
      std::lock_guard<std::mutex> lock(world_->mu);
      world_->requests.push_back(request);
      http = world_->http;
    }
    if (!http) return Status::Network(request.method + " host: refused");
    return http(request);
  }

 private:
  std::shared_ptr<FakeWorld> world_;
};

// A CredentialsEnv over `world`; run_process is the real /bin/sh with 10 s.
inline CredentialsEnv FakeEnv(std::shared_ptr<FakeWorld> world) {
  CredentialsEnv env;
  env.getenv = [world](const std::string& name) -> std::optional<std::string> {
    auto it = world->vars.find(name);
    if (it == world->vars.end()) return std::nullopt;
    return it->second;
  };
  env.read_file = [world](const std::string& path) -> Result<std::string> {
    auto it = world->files.find(path);
    if (it == world->files.end()) return Status::NotFound("no such file");
    return it->second;
  };
  env.clock = &world->clock;
  env.new_http_client = [world] {
    return std::make_unique<FakeHttpClient>(world);
  };
  env.run_process = [](const std::string& command) {
    return RunShellCommand(command, 10);
  };
  return env;
}

}  // namespace cfm

#endif  // CFMIGRATE_CREDENTIALS_FAKES_H_
