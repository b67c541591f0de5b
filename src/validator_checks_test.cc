#include "validator_checks.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "crypto.h"

namespace cfm {
namespace {

// Source bytes by URL and destination bytes by key.
struct FakeWorld {
  std::map<std::string, std::string> source, dest, source_etag;
};

class FakeFetcher : public ObjectFetcher {
 public:
  explicit FakeFetcher(const FakeWorld* w) : w_(w) {}
  Result<SourceHead> Head(const std::string& url) override {
    auto it = w_->source_etag.find(url);
    if (it == w_->source_etag.end())
      return Status::Http("HEAD " + url + ": 404");
    auto body = w_->source.find(url);
    return SourceHead{it->second,
                      body == w_->source.end()
                          ? -1
                          : static_cast<int64_t>(body->second.size())};
  }
  Result<ObjectDigest> Source(const std::string& url) override {
    return Digest(w_->source, url);
  }
  Result<ObjectDigest> Destination(const std::string& key) override {
    return Digest(w_->dest, key);
  }

 private:
  static Result<ObjectDigest> Digest(
      const std::map<std::string, std::string>& m, const std::string& k) {
    auto it = m.find(k);
    if (it == m.end()) return Status::NotFound(k);
    if (it->second == "DENIED") return Status::Auth("s3:GetObject missing");
    return ObjectDigest{it->second.size(), Md5(it->second)};
  }
  const FakeWorld* w_;
};

std::string QuotedMd5(const std::string& body) {
  return "\"" + HexEncode(Md5(body)) + "\"";
}

TEST(CheckPoolTest, DeepFindsSameSizeCorruption) {
  FakeWorld w;
  ListingIndex index("i/");
  for (int i = 0; i < 50; ++i) {
    std::string url = "https://s/" + std::to_string(i);
    std::string key = "i/" + std::to_string(i);
    w.source[url] = "body" + std::to_string(i);
    w.dest[key] = w.source[url];
    index.Add(key, w.dest[key].size(), QuotedMd5(w.dest[key]));
  }
  w.dest["i/7"] = "BODY7";  // same size, different bytes
  index.Finish();
  CheckPool pool(&index, 4, [&w] { return std::make_unique<FakeFetcher>(&w); });
  for (int i = 0; i < 50; ++i) {
    pool.Submit(CheckPool::Kind::kDeep, i, "https://s/" + std::to_string(i));
  }
  pool.Submit(CheckPool::Kind::kDeep, 0, "https://s/none");  // source 404
  pool.Finish();
  EXPECT_EQ(pool.deep().checked, 50u);
  EXPECT_EQ(pool.deep().mismatched, 1u);
  EXPECT_EQ(pool.deep().errors, 1u);
  EXPECT_EQ(pool.deep().denied, 0u);
  ASSERT_EQ(pool.corrupt().size(), 1u);
  EXPECT_EQ(pool.corrupt()[0].key, "i/7");
  EXPECT_EQ(pool.corrupt()[0].url, "https://s/7");
  EXPECT_EQ(pool.corrupt_indices(), std::vector<size_t>{7});
  ASSERT_EQ(pool.errors().size(), 1u);
  EXPECT_EQ(pool.errors()[0].url, "https://s/none");
}

TEST(CheckPoolTest, AccessDeniedIsCountedApart) {
  FakeWorld w;
  ListingIndex index("i/");
  index.Add("i/a", 1, "");
  index.Finish();
  w.source["https://s/a"] = "x";
  w.dest["i/a"] = "DENIED";
  CheckPool pool(&index, 1, [&w] { return std::make_unique<FakeFetcher>(&w); });
  pool.Submit(CheckPool::Kind::kDeep, 0, "https://s/a");
  pool.Finish();
  EXPECT_EQ(pool.deep().errors, 1u);
  EXPECT_EQ(pool.deep().denied, 1u);
  EXPECT_NE(pool.errors()[0].detail.find("s3:GetObject"), std::string::npos);
}

TEST(CheckPoolTest, EtagCheckComparesPlainMd5sOnly) {
  FakeWorld w;
  ListingIndex index("i/");
  index.Add("i/same", 1, QuotedMd5("a"));
  index.Add("i/diff", 1, QuotedMd5("a"));
  index.Add("i/multipart", 1, "\"0cc175b9c0f1b6a831c399e269772661-2\"");
  index.Add("i/weak", 1, QuotedMd5("a"));
  index.Finish();
  w.source_etag["u/same"] = QuotedMd5("a");
  w.source_etag["u/diff"] = QuotedMd5("b");
  w.source_etag["u/multipart"] = QuotedMd5("a");
  w.source_etag["u/weak"] = "W/" + QuotedMd5("a");
  CheckPool pool(&index, 2, [&w] { return std::make_unique<FakeFetcher>(&w); });
  pool.Submit(CheckPool::Kind::kEtag, 0, "u/same");
  pool.Submit(CheckPool::Kind::kEtag, 1, "u/diff");
  pool.Submit(CheckPool::Kind::kEtag, 2, "u/multipart");
  pool.Submit(CheckPool::Kind::kEtag, 3, "u/weak");
  pool.Finish();
  EXPECT_EQ(pool.etag().checked, 2u);
  EXPECT_EQ(pool.etag().mismatched, 1u);
  EXPECT_EQ(pool.etag().skipped, 2u);
  ASSERT_EQ(pool.corrupt().size(), 1u);
  EXPECT_EQ(pool.corrupt()[0].key, "i/diff");
  EXPECT_EQ(pool.deep().checked, 0u);
}

TEST(CheckPoolTest, SourceSizeVerifiesOrFlagsEachObject) {
  FakeWorld w;
  ListingIndex index("i/");
  index.Add("i/ok", 3, "");
  index.Add("i/short", 2, "");
  index.Add("i/gone", 3, "");
  index.Add("i/nolength", 3, "");
  index.Add("i/both", 1, QuotedMd5("a"));
  index.Finish();
  for (const char* u : {"u/ok", "u/short", "u/nolength"}) {
    w.source_etag[u] = "\"x\"";
  }
  w.source["u/ok"] = "abc";
  w.source["u/short"] = "abc";
  w.source_etag["u/both"] = QuotedMd5("b");  // same size, other bytes
  w.source["u/both"] = "b";
  CheckPool pool(&index, 2, [&w] { return std::make_unique<FakeFetcher>(&w); });
  pool.Submit(CheckPool::Kind::kSize, 0, "u/ok");
  pool.Submit(CheckPool::Kind::kSize, 1, "u/short");
  pool.Submit(CheckPool::Kind::kSize, 2, "u/gone");
  pool.Submit(CheckPool::Kind::kSize, 3, "u/nolength");
  pool.Submit(CheckPool::Kind::kSizeAndEtag, 4, "u/both");
  pool.Finish();
  const std::vector<uint8_t>& f = pool.result_flags();
  EXPECT_EQ(f[0], kVerified);
  EXPECT_EQ(f[1], kSizeMismatch);
  EXPECT_EQ(f[2], kUnverified);
  EXPECT_EQ(f[3], kUnverified);
  EXPECT_EQ(f[4], kVerified | kCorrupt);
  EXPECT_EQ(pool.size().checked, 3u);
  EXPECT_EQ(pool.size().mismatched, 1u);
  EXPECT_EQ(pool.size().errors, 2u);
  ASSERT_EQ(pool.size_mismatches().size(), 1u);
  EXPECT_EQ(pool.size_mismatches()[0].detail, "source 3 bytes, S3 2");
  EXPECT_EQ(pool.etag().mismatched, 1u);
  // The pool never wrote the index itself.
  for (size_t i = 0; i < index.size(); ++i) EXPECT_EQ(index.flags(i), 0);
}

std::vector<size_t> SampleIndices(uint64_t count, double fraction,
                                  uint64_t seed, size_t n) {
  DeepSampler s(count, fraction, seed);
  for (size_t i = 0; i < n; ++i) s.Offer(i, "u" + std::to_string(i));
  std::vector<size_t> out;
  for (const auto& x : s.Take()) {
    EXPECT_EQ(x.url, "u" + std::to_string(x.index));
    out.push_back(x.index);
  }
  return out;
}

TEST(DeepSamplerTest, ExactCountDeterministicPerSeed) {
  auto a = SampleIndices(100, 0, 42, 10000);
  auto b = SampleIndices(100, 0, 42, 10000);
  auto c = SampleIndices(100, 0, 43, 10000);
  EXPECT_EQ(a.size(), 100u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<size_t>(a.begin(), a.end()).size(), 100u);
  EXPECT_GT(a.back(), 5000u);  // not just the first ones
}

TEST(DeepSamplerTest, CountAboveTotalTakesAllAndFractionOneTakesAll) {
  EXPECT_EQ(SampleIndices(1000, 0, 1, 37).size(), 37u);
  EXPECT_EQ(SampleIndices(0, 1.0, 1, 37).size(), 37u);
  size_t tenth = SampleIndices(0, 0.1, 1, 20000).size();
  EXPECT_GT(tenth, 1500u);
  EXPECT_LT(tenth, 2500u);
  DeepSampler off(0, 0, 1);
  EXPECT_FALSE(off.enabled());
}

}  // namespace
}  // namespace cfm
