#include "parallel_lister.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace cfm {
namespace {

// Midpoints are spelled with URL-unreserved characters only, in ASCII
// order, so a start-after value never needs escaping (and stays clear of
// signing differences between S3 implementations).
constexpr char kAlphabet[] =
    "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~";
constexpr uint64_t kBase = sizeof(kAlphabet) - 1;
constexpr int kDigits = 6;
const char kTop[] = "\x7F";  // above every printable-ASCII key

// Position of the largest alphabet character <= s[i] (0 when none or past
// the end): monotonic in the byte value.
uint64_t Digit(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  unsigned char c = static_cast<unsigned char>(s[i]);
  uint64_t d = 0;
  for (uint64_t k = 0; k < kBase; ++k) {
    if (static_cast<unsigned char>(kAlphabet[k]) <= c) d = k;
  }
  return d;
}

struct Range {
  std::string lo;    // exclusive; "" from the start
  std::string hi;    // inclusive; "" = unbounded
  std::string cur;   // last key delivered
  size_t pages = 0;  // pages fetched so far
  bool splittable = true;
};

class Coordinator {
 public:
  explicit Coordinator(const ParallelListOptions& o) : options_(o) {
    ranges_.push_back(std::make_unique<Range>());
    pending_.push_back(ranges_.back().get());
  }

  void Work() {
    PageFetcher fetch = options_.make_fetcher();
    while (Range* r = Acquire()) Run(r, fetch);
  }

  Status status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }

 private:
  Range* Acquire();
  Range* SplitBusiest();
  void Run(Range* r, const PageFetcher& fetch);
  // Delivers the part of `page` inside r; true when the range is finished.
  bool Deliver(Range* r, const ListPage& page);
  void Finish(Range* r, const Status& s);

  const ParallelListOptions& options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Range>> ranges_;
  std::deque<Range*> pending_;
  std::vector<Range*> running_;
  Status status_;
};

Range* Coordinator::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (!status_.ok()) return nullptr;
    if (!pending_.empty()) {
      Range* r = pending_.front();
      pending_.pop_front();
      running_.push_back(r);
      return r;
    }
    if (running_.empty()) return nullptr;
    if (Range* r = SplitBusiest()) return r;
    cv_.wait(lock);
  }
}

// Caller holds mu_. Splits the running range with most pages fetched (and at
// least one, so a small listing is never split) and returns the new upper
// half, already marked running.
Range* Coordinator::SplitBusiest() {
  Range* best = nullptr;
  for (Range* r : running_) {
    if (r->pages > 0 && r->splittable && (!best || r->pages > best->pages)) {
      best = r;
    }
  }
  if (best == nullptr) return nullptr;
  std::string lo = best->cur.empty() ? best->lo : best->cur;
  if (lo.empty()) lo = options_.prefix;
  std::string hi = best->hi.empty() ? options_.prefix + kTop : best->hi;
  std::string mid;
  if (!KeySpaceMidpoint(lo, hi, &mid)) {
    best->splittable = false;
    return nullptr;
  }
  auto upper = std::make_unique<Range>();
  upper->lo = mid;
  upper->hi = best->hi;
  best->hi = mid;
  ranges_.push_back(std::move(upper));
  running_.push_back(ranges_.back().get());
  return ranges_.back().get();
}

bool Coordinator::Deliver(Range* r, const ListPage& page) {
  std::vector<ListedEntry> inside;
  bool beyond = false;
  for (const ListedEntry& e : page.objects) {
    if (!r->hi.empty() && e.key > r->hi) {
      beyond = true;
      break;
    }
    inside.push_back(e);
  }
  if (!inside.empty()) {
    r->cur = inside.back().key;
    options_.sink(inside);
  }
  ++r->pages;
  bool done = beyond || !page.truncated || page.next_token.empty();
  // A finished range stays in running_ until Finish() takes the lock again;
  // an idle worker must not split it in between.
  r->splittable = !done;
  return done;
}

void Coordinator::Run(Range* r, const PageFetcher& fetch) {
  std::string token;
  while (true) {
    std::string start_after;
    if (token.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      start_after = r->lo;
    }
    Result<ListPage> page = fetch(start_after, token);
    if (!page.ok()) return Finish(r, page.status());
    std::unique_lock<std::mutex> lock(mu_);
    if (!status_.ok() || Deliver(r, *page)) {
      lock.unlock();
      return Finish(r, Status::OK());
    }
    token = page->next_token;
    cv_.notify_all();
  }
}

void Coordinator::Finish(Range* r, const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!s.ok() && status_.ok()) status_ = s;
  running_.erase(std::find(running_.begin(), running_.end(), r));
  cv_.notify_all();
}

}  // namespace

bool KeySpaceMidpoint(std::string_view lo, std::string_view hi,
                      std::string* mid) {
  if (!(lo < hi)) return false;
  size_t common = 0;
  while (common < lo.size() && common < hi.size() && lo[common] == hi[common])
    ++common;
  uint64_t a = 0, b = 0;
  for (int i = 0; i < kDigits; ++i) {
    a = a * kBase + Digit(lo, common + i);
    b = b * kBase + Digit(hi, common + i);
  }
  if (b <= a + 1) return false;
  uint64_t m = a + (b - a) / 2;
  std::string tail(kDigits, kAlphabet[0]);
  for (int i = kDigits - 1; i >= 0; --i) {
    tail[i] = kAlphabet[m % kBase];
    m /= kBase;
  }
  while (!tail.empty() && tail.back() == kAlphabet[0]) tail.pop_back();
  *mid = std::string(hi.substr(0, common)) + tail;
  return lo < *mid && *mid < hi;
}

Status ListInParallel(const ParallelListOptions& options) {
  Coordinator coordinator(options);
  std::vector<std::thread> threads;
  for (int i = 1; i < options.workers; ++i) {
    threads.emplace_back([&coordinator] { coordinator.Work(); });
  }
  coordinator.Work();
  for (std::thread& t : threads) t.join();
  return coordinator.status();
}

}  // namespace cfm
