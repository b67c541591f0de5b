#include "parallel_lister.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cfm {
namespace {

// An in-memory bucket that answers ListObjectsV2 pages like S3: keys after
// start_after (or after the token, which is the last key sent).
class FakeBucket {
 public:
  FakeBucket(std::vector<std::string> keys, size_t page_size)
      : keys_(std::move(keys)), page_size_(page_size) {
    std::sort(keys_.begin(), keys_.end());
  }
  Result<ListPage> Page(const std::string& start_after,
                        const std::string& token) {
    ++requests_;
    if (token.empty() && !start_after.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      ++split_starts_;
      split_cv_.notify_all();
    }
    if (wait_for_split_ && !token.empty()) {
      // Holds the first range after its first page until an idle worker has
      // split it, so the test does not depend on thread scheduling. The
      // bound only keeps a broken lister from hanging the test.
      std::unique_lock<std::mutex> lock(mu_);
      split_cv_.wait_for(lock, std::chrono::seconds(10),
                         [this] { return split_starts_.load() > 0; });
    }
    const std::string& after = token.empty() ? start_after : token;
    auto it = std::upper_bound(keys_.begin(), keys_.end(), after);
    ListPage page;
    for (; it != keys_.end() && page.objects.size() < page_size_; ++it) {
      page.objects.push_back(ListedEntry{*it, it->size(), "\"e\""});
    }
    page.truncated = it != keys_.end();
    if (page.truncated) page.next_token = page.objects.back().key;
    if (fail_after_ >= 0 && requests_ > fail_after_) {
      return Status::Auth("AccessDenied");
    }
    return page;
  }
  const std::vector<std::string>& keys() const { return keys_; }
  std::atomic<int> requests_{0};
  std::atomic<int> split_starts_{0};  // ranges started after a split
  int fail_after_ = -1;
  bool wait_for_split_ = false;

 private:
  std::mutex mu_;
  std::condition_variable split_cv_;
  std::vector<std::string> keys_;
  size_t page_size_;
};

std::map<std::string, int> ListAll(FakeBucket* bucket, int workers,
                                   Status* status) {
  std::map<std::string, int> seen;
  ParallelListOptions o;
  o.prefix = "images/";
  o.workers = workers;
  o.make_fetcher = [bucket] {
    return [bucket](const std::string& sa, const std::string& tok) {
      return bucket->Page(sa, tok);
    };
  };
  o.sink = [&seen](const std::vector<ListedEntry>& page) {
    for (const auto& e : page) ++seen[e.key];
  };
  *status = ListInParallel(o);
  return seen;
}

void ExpectEachOnce(const FakeBucket& bucket,
                    const std::map<std::string, int>& seen) {
  ASSERT_EQ(seen.size(), bucket.keys().size());
  for (const auto& [key, count] : seen) ASSERT_EQ(count, 1) << key;
}

std::vector<std::string> NumberedKeys(int n, const std::string& stem) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%07d", i);
    keys.push_back("images/" + stem + buf + ".jpg");
  }
  return keys;
}

TEST(ParallelListerTest, SmallListingIsOneRequest) {
  FakeBucket bucket(NumberedKeys(10, "a"), 1000);
  Status s;
  auto seen = ListAll(&bucket, 8, &s);
  ASSERT_TRUE(s.ok());
  ExpectEachOnce(bucket, seen);
  EXPECT_EQ(bucket.requests_.load(), 1);
}

TEST(ParallelListerTest, SameStemKeysSplitAndDeliveredOnce) {
  FakeBucket bucket(NumberedKeys(20000, "image_"), 100);
  bucket.wait_for_split_ = true;
  Status s;
  auto seen = ListAll(&bucket, 8, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectEachOnce(bucket, seen);
  EXPECT_GT(bucket.split_starts_.load(), 0);  // the work was spread
}

TEST(ParallelListerTest, MixedAndNonAsciiKeys) {
  std::vector<std::string> keys = NumberedKeys(3000, "");
  for (int i = 0; i < 3000; ++i) {
    keys.push_back("images/z" + std::to_string(i) + "caf\xC3\xA9.jpg");
    keys.push_back("images/\xC3\xA9t\xC3\xA9" + std::to_string(i));
    keys.push_back("images/A B+" + std::to_string(i));
  }
  keys.push_back("images/");  // the prefix itself
  keys.push_back("images/~");
  FakeBucket bucket(keys, 50);
  Status s;
  auto seen = ListAll(&bucket, 5, &s);
  ASSERT_TRUE(s.ok());
  ExpectEachOnce(bucket, seen);
}

TEST(ParallelListerTest, OneWorker) {
  FakeBucket bucket(NumberedKeys(1000, "x"), 30);
  Status s;
  auto seen = ListAll(&bucket, 1, &s);
  ASSERT_TRUE(s.ok());
  ExpectEachOnce(bucket, seen);
  EXPECT_EQ(bucket.requests_.load(), 34);
}

TEST(ParallelListerTest, FirstErrorIsReturned) {
  FakeBucket bucket(NumberedKeys(5000, "x"), 10);
  bucket.fail_after_ = 20;
  Status s;
  ListAll(&bucket, 4, &s);
  EXPECT_EQ(s.code(), Status::Code::kAuth);
}

TEST(KeySpaceMidpointTest, StrictlyBetween) {
  std::string mid;
  ASSERT_TRUE(KeySpaceMidpoint("images/", "images/\x7F", &mid));
  EXPECT_GT(mid, "images/");
  EXPECT_LT(mid, "images/\x7F");
  EXPECT_EQ(mid.substr(0, 7), "images/");
  ASSERT_TRUE(KeySpaceMidpoint("images/image_0000100.jpg",
                               "images/image_0009999.jpg", &mid));
  EXPECT_GT(mid, "images/image_0000100.jpg");
  EXPECT_LT(mid, "images/image_0009999.jpg");
  EXPECT_EQ(mid.substr(0, 15), "images/image_00");
  EXPECT_FALSE(KeySpaceMidpoint("b", "a", &mid));
  EXPECT_FALSE(KeySpaceMidpoint("a", "a", &mid));
  EXPECT_FALSE(KeySpaceMidpoint("a", "a-", &mid));  // nothing between
  ASSERT_TRUE(KeySpaceMidpoint("images/a b+c", "images/z!", &mid));
  for (char c : mid.substr(7)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) ||
                std::string("-._~").find(c) != std::string::npos)
        << mid;
  }
}

}  // namespace
}  // namespace cfm
