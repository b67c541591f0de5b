// A scripted Transport for engine tests: answers requests from scripts
// (503 k times then 200, a reset in the middle of the body, a short body, a
// stall, a late answer, redirects, SlowDown, or answers computed from the
// request by a function, e.g. from its Range header), calls body sinks and
// sources the way curl does (in chunks, honouring pause until Resume) and moves
// a FakeClock instead of waiting: a Poll in which nothing can move advances the
// clock by its timeout. Single-threaded; header-only, for tests.
#ifndef CFMIGRATE_FAKE_TRANSPORT_H_
#define CFMIGRATE_FAKE_TRANSPORT_H_

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "clock.h"
#include "http_transport.h"

namespace cfm {

struct FakeAnswer {
  long status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Deliver this many body bytes, then end with `error` (-1: the whole
  // body, then `error`).
  int64_t cut_after = -1;
  TransportError error = TransportError::kNone;
  std::string detail;
  bool stall = false;  // never answers: times out after the request's timeout
  // A PUT that read its whole body and then never answers.
  bool stall_after_body = false;
  // Answers only once the clock is this far past the request's start.
  int64_t delay_ms = 0;
};

class FakeTransport : public Transport {
 public:
  struct Seen {
    std::string method, url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  // what was sent (streamed bodies too)
    int64_t started_ms = 0;
    long max_redirects = 0;
    long timeout_ms = 0;
    std::string ca_file;
    std::string Header(const std::string& name) const {
      for (const auto& [n, v] : headers)
        if (n == name) return v;
      return "";
    }
  };

  explicit FakeTransport(FakeClock* clock) : clock_(clock) {}

  // Requests whose "METHOD URL" contains `match` take `answers` in turn;
  // the last one repeats. Later scripts are tried first.
  void Script(std::string match, std::vector<FakeAnswer> answers) {
    scripts_.insert(scripts_.begin(), {std::move(match), std::move(answers)});
  }
  // Requests whose "METHOD URL" contains `match` are answered by `serve`
  // (given the request as seen) when no Script matches.
  void Serve(std::string match,
             std::function<FakeAnswer(const Seen& request)> serve) {
    servers_.insert(servers_.begin(), {std::move(match), std::move(serve)});
  }
  // Called at the start of every Poll (tests set flags from it).
  std::function<void(FakeTransport*)> on_poll;

  std::vector<Seen> seen;  // every request started, in order
  int sink_pauses = 0, source_pauses = 0, resumes = 0, cancels = 0;
  size_t max_chunk = kMaxSinkChunk;  // body bytes offered at once
  size_t peak_in_flight = 0;         // the most transfers live at once

  Id Start(TransferRequest request) override {
    Xfer x;
    x.id = next_id_++;
    x.request = std::move(request);
    x.started_ms = clock_->NowMs();
    x.seen = seen.size();
    seen.push_back({x.request.method, x.request.url, x.request.headers,
                    std::string(x.request.body), x.started_ms,
                    x.request.max_redirects, x.request.timeout_ms,
                    x.request.ca_file});
    x.answer = Pick(x.request.method + " " + x.request.url, seen.back());
    live_.emplace(x.id, std::move(x));
    peak_in_flight = std::max(peak_in_flight, live_.size());
    return next_id_ - 1;
  }

  void Resume(Id id) override {
    auto it = live_.find(id);
    if (it == live_.end()) return;
    ++resumes;
    it->second.paused = false;
  }

  void Cancel(Id id) override {
    if (live_.erase(id)) ++cancels;
  }

  std::vector<Completion> Poll(int timeout_ms) override {
    if (on_poll) on_poll(this);
    std::vector<Completion> done;
    bool moved = false;
    std::vector<Id> ids;
    for (auto& [id, x] : live_) ids.push_back(id);
    for (Id id : ids) {
      auto it = live_.find(id);
      if (it == live_.end()) continue;
      if (Step(&it->second, &moved, &done)) live_.erase(id);
    }
    if (!moved && done.empty()) {
      clock_->Advance(std::max(timeout_ms, 1));
      for (Id id : ids) {
        auto it = live_.find(id);
        if (it == live_.end()) continue;
        const Xfer& x = it->second;
        if (clock_->NowMs() - x.started_ms >= x.request.timeout_ms) {
          done.push_back(Finish(x, TransportError::kTimeout, "timed out"));
          live_.erase(id);
        }
      }
    }
    return done;
  }

  size_t in_flight() const { return live_.size(); }

 private:
  struct Xfer {
    Id id = 0;
    TransferRequest request;
    FakeAnswer answer;
    size_t seen = 0;
    int64_t started_ms = 0;
    bool body_sent = false;  // the request body is all sent
    bool headers_done = false;
    size_t delivered = 0;  // response body bytes taken by the sink
    bool paused = false;
    int redirects = 0;
    HttpResponse head;
  };

  FakeAnswer Pick(const std::string& what, const Seen& request) {
    for (auto& [match, answers] : scripts_) {
      if (what.find(match) == std::string::npos) continue;
      auto& n = used_[match];
      FakeAnswer a = answers[std::min(n, answers.size() - 1)];
      ++n;
      return a;
    }
    for (auto& [match, serve] : servers_)
      if (what.find(match) != std::string::npos) return serve(request);
    FakeAnswer none;
    none.status = 404;
    return none;
  }

  Completion Finish(const Xfer& x, TransportError error,
                    std::string detail) const {
    Completion c;
    c.id = x.id;
    c.result.error = error;
    c.result.detail = std::move(detail);
    c.response = x.head;
    if (!x.request.sink)
      c.response.body = x.answer.body.substr(0, x.request.max_body);
    return c;
  }

  // Sends the request body (from the source, honouring pauses).
  bool SendBody(Xfer* x, bool* moved) {
    if (x->body_sent) return true;
    if (!x->request.source) {
      x->body_sent = true;
      return true;
    }
    std::string& sent = seen[x->seen].body;
    char buf[64 << 10];
    while (static_cast<int64_t>(sent.size()) < x->request.upload_size) {
      size_t want = std::min<size_t>(
          sizeof buf,
          static_cast<size_t>(x->request.upload_size) - sent.size());
      long k = x->request.source->Read(buf, want);
      if (k == BodySource::kPause) {
        ++source_pauses;
        x->paused = true;
        return false;
      }
      sent.append(buf, static_cast<size_t>(k));
      *moved = true;
    }
    x->body_sent = true;
    return true;
  }

  // Redirects: a 3xx with Location is followed when the request allows.
  bool FollowRedirect(Xfer* x, bool* moved) {
    std::string location;
    for (const auto& [n, v] : x->answer.headers)
      if (n == "location") location = v;
    if (x->answer.status < 300 || x->answer.status > 399 || location.empty() ||
        x->request.max_redirects == 0)
      return false;
    if (x->request.sink) {
      HttpResponse hop;
      hop.status = x->answer.status;
      hop.headers = x->answer.headers;
      x->request.sink->OnHeaders(hop);
    }
    ++x->redirects;
    Seen hop = seen[x->seen];
    hop.url = location;
    x->answer = Pick(x->request.method + " " + location, hop);
    *moved = true;
    return true;
  }

  // Moves one transfer along; true when it finished (into `done`).
  bool Step(Xfer* x, bool* moved, std::vector<Completion>* done) {
    if (x->paused || x->answer.stall) return false;
    if (clock_->NowMs() < x->started_ms + x->answer.delay_ms) return false;
    if (!SendBody(x, moved)) return false;
    if (x->answer.stall_after_body) return false;
    while (!x->headers_done && FollowRedirect(x, moved)) {
      if (x->redirects > x->request.max_redirects) {
        done->push_back(Finish(*x, TransportError::kTooManyRedirects,
                               "Maximum redirects followed"));
        return true;
      }
    }
    if (!x->headers_done) {
      x->head.status = x->answer.status;
      x->head.headers = x->answer.headers;
      x->headers_done = true;
      *moved = true;
      if (x->request.sink) x->request.sink->OnHeaders(x->head);
    }
    size_t end = x->answer.cut_after >= 0
                     ? static_cast<size_t>(x->answer.cut_after)
                     : x->answer.body.size();
    while (x->request.sink && x->delivered < end) {
      size_t n = std::min(max_chunk, end - x->delivered);
      std::string_view chunk(x->answer.body.data() + x->delivered, n);
      BodySink::Answer a = x->request.sink->OnBody(chunk);
      if (a == BodySink::Answer::kPause) {
        ++sink_pauses;
        x->paused = true;
        return false;
      }
      if (a == BodySink::Answer::kStop) {
        done->push_back(Finish(*x, TransportError::kStoppedBySink,
                               "Failure writing output to destination"));
        return true;
      }
      x->delivered += n;
      *moved = true;
    }
    done->push_back(Finish(*x, x->answer.error, x->answer.detail));
    return true;
  }

  FakeClock* clock_;
  Id next_id_ = 1;
  std::map<Id, Xfer> live_;
  std::vector<std::pair<std::string, std::vector<FakeAnswer>>> scripts_;
  std::vector<
      std::pair<std::string, std::function<FakeAnswer(const Seen& request)>>>
      servers_;
  std::map<std::string, size_t> used_;
};

}  // namespace cfm

#endif  // CFMIGRATE_FAKE_TRANSPORT_H_
