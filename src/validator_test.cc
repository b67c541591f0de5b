#include "validator.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "completed_log.h"
#include "crypto.h"
#include "test_util.h"
#include "validator_checks.h"

namespace cfm {
namespace {

const char kSrc[] = "https://cdn.example/";
const char kMd5A[] = "\"0cc175b9c0f1b6a831c399e269772661\"";  // md5("a")

TEST(ListingIndexTest, FindsKeysUnderPrefixOnly) {
  ListingIndex index("images/");
  EXPECT_TRUE(index.Add("images/a.jpg", 10, kMd5A));
  EXPECT_TRUE(index.Add("images/d/b.jpg", 20, "\"abc-2\""));
  EXPECT_FALSE(index.Add("other/a.jpg", 1, ""));
  EXPECT_TRUE(index.Add("images/a.jpg", 10, kMd5A));  // listed twice
  index.Finish();
  EXPECT_EQ(index.Find("images/a.jpg"), 0);
  EXPECT_EQ(index.Find("images/d/b.jpg"), 1);
  EXPECT_EQ(index.Find("images/c.jpg"), -1);
  EXPECT_EQ(index.Find("other/a.jpg"), -1);
  EXPECT_EQ(index.Key(1), "images/d/b.jpg");
  EXPECT_EQ(index.Size(1), 20u);
  EXPECT_TRUE(index.flags(2) & kDuplicate);
  std::string md5;
  ASSERT_TRUE(index.PlainMd5(0, &md5));
  EXPECT_EQ(HexEncode(md5), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_FALSE(index.PlainMd5(1, &md5));  // multipart ETag
}

TEST(ListingIndexTest, ManyKeys) {
  ListingIndex index("p/");
  for (int i = 0; i < 100000; ++i) {
    index.Add("p/k" + std::to_string(i), i, "");
  }
  index.Finish();
  for (int i = 0; i < 100000; i += 7) {
    ASSERT_EQ(index.Find("p/k" + std::to_string(i)), i);
  }
  EXPECT_EQ(index.Find("p/k100000"), -1);
}

TEST(PlainMd5EtagTest, Cases) {
  std::string raw;
  EXPECT_TRUE(ParsePlainMd5Etag("0cc175b9c0f1b6a831c399e269772661", &raw));
  EXPECT_TRUE(ParsePlainMd5Etag(kMd5A, &raw));
  EXPECT_FALSE(
      ParsePlainMd5Etag("\"0cc175b9c0f1b6a831c399e269772661-3\"", &raw));
  EXPECT_FALSE(
      ParsePlainMd5Etag("W/\"0cc175b9c0f1b6a831c399e269772661\"", &raw));
  EXPECT_FALSE(ParsePlainMd5Etag("\"zzc175b9c0f1b6a831c399e269772661\"", &raw));
}

// A bucket of a.jpg..e.jpg, with urls.txt expecting a..d plus missing ones.
class ValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mapping_ = KeyMappingOptions{kSrc, "images/", false};
    MakeIndex(&index_);
    std::string s = kSrc;
    WriteFile(dir_.File("urls.txt"),
              s + "x/a.jpg\n" + s + "x/b.jpg\r\n" + s + "x/c.jpg?v=1\n" + s +
                  "x/gone.jpg\n" + s + "x/gone.jpg\n" + s + "x/a.jpg\n" +
                  "not-a-url\n" + s + "y/lost%20one.jpg\n");
    WriteFile(dir_.File("completed.txt"),
              s + "x/a.jpg\timages/a.jpg\t1\tmd5:x\n" + s +
                  "x/b.jpg\timages/b.jpg\t99\t\n" +  // wrong size
                  s + "x/c.jpg?v=1\timages/c.jpg\t7\t\n" + s +
                  "x/c.jpg?v=1\timages/c.jpg\t3\t\tdest\n" +  // later wins
                  s + "x/c.jpg?v=1\timages/c.jpg\t999\t\tother\n" +  // not ours
                  s + "x/gone.jpg\timages/gone.jpg\t5\t\n" +
                  "u\tother/x.jpg\t1\t\n");
    // a's last attempt failed (410) but a record says it was copied since;
    // lost one's last attempt was a 404.
    gone_ = {{s + "x/a.jpg", "http 410"}, {s + "y/lost%20one.jpg", "http 404"}};
  }

  static void MakeIndex(ListingIndex* index) {
    index->Add("images/a.jpg", 1, kMd5A);
    index->Add("images/b.jpg", 2, "");
    index->Add("images/c.jpg", 3, "");
    index->Add("images/extra.jpg", 4, "");
    index->Finish();
  }

  void RunPasses(ListingIndex* index) {
    RecordedObjects records(*index);
    result_ = ValidationResult();
    retry_.clear();
    gone_out_.clear();
    present_.clear();
    GoneUrls gone = gone_;
    ASSERT_TRUE(ApplyCompleted(dir_.File("completed.txt"), "dest", index,
                               &records, &gone, &result_)
                    .ok());
    Status s = CompareUrls(
        dir_.File("urls.txt"), mapping_, index, records,
        [this](size_t i, const std::string& u, bool needs_size) {
          present_[i] = {u, needs_size};
        },
        &result_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    CountExtras(*index, &result_);
    s = ReportUrls(
        dir_.File("urls.txt"), mapping_, index, gone,
        [this](const std::string& u) { retry_.push_back(u); },
        [this](const std::string& u, const std::string& reason) {
          gone_out_.push_back(u + "\t" + reason);
        },
        &result_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  TempDir dir_;
  KeyMappingOptions mapping_;
  ListingIndex index_{"images/"};
  GoneUrls gone_;
  ValidationResult result_;
  std::vector<std::string> retry_, gone_out_;
  std::map<size_t, std::pair<std::string, bool>> present_;
};

TEST_F(ValidatorTest, CountsEverything) {
  RunPasses(&index_);
  const ValidationCounts& c = result_.counts;
  EXPECT_EQ(c.url_lines, 8u);
  EXPECT_EQ(c.malformed, 1u);
  EXPECT_EQ(c.expected, 5u);  // a b c gone lost
  EXPECT_EQ(c.duplicate_urls, 2u);
  EXPECT_EQ(c.present, 3u);
  EXPECT_EQ(c.verified, 2u);  // a and c, by their records
  EXPECT_EQ(c.verified_by_record, 2u);
  EXPECT_EQ(c.missing, 1u);          // gone.jpg: a re-run may fix it
  EXPECT_EQ(c.gone, 1u);             // lost one: 404 on its last attempt
  EXPECT_EQ(c.size_mismatches, 1u);  // b
  EXPECT_EQ(c.corrupt, 0u);
  EXPECT_EQ(c.unverified, 0u);
  EXPECT_EQ(c.listed, 4u);
  EXPECT_EQ(c.extra, 1u);
  EXPECT_EQ(c.completed_records, 6u);        // not the other bucket's
  EXPECT_EQ(c.completed_not_in_bucket, 1u);  // gone.jpg
  std::string s = kSrc;
  EXPECT_EQ(retry_,
            (std::vector<std::string>{s + "x/b.jpg", s + "x/gone.jpg"}));
  EXPECT_EQ(gone_out_,
            (std::vector<std::string>{s + "y/lost%20one.jpg\thttp 404"}));
  EXPECT_EQ(result_.missing_examples,
            (std::vector<std::string>{s + "x/gone.jpg"}));
  ASSERT_EQ(result_.size_mismatch_examples.size(), 1u);
  EXPECT_EQ(result_.size_mismatch_examples[0].key, "images/b.jpg");
  EXPECT_EQ(result_.size_mismatch_examples[0].recorded, 99u);
  EXPECT_EQ(result_.size_mismatch_examples[0].listed, 2u);
  EXPECT_EQ(result_.extra_examples,
            (std::vector<std::string>{"images/extra.jpg"}));
  ASSERT_EQ(result_.malformed_examples.size(), 1u);
  EXPECT_EQ(result_.malformed_examples[0].rfind("not-a-url: malformed url", 0),
            0u);
  // a and c are offered for checks once each, needing no source size; b
  // (size mismatch) is not offered.
  EXPECT_EQ(present_.size(), 2u);
  EXPECT_EQ(present_[0], std::make_pair(s + "x/a.jpg", false));
  EXPECT_EQ(present_[2], std::make_pair(s + "x/c.jpg?v=1", false));
}

TEST_F(ValidatorTest, WithoutATrustedRecordAnObjectIsUnverified) {
  // No completed.txt at all: every present object needs the source's size.
  std::remove(dir_.File("completed.txt").c_str());
  RunPasses(&index_);
  EXPECT_EQ(present_.size(), 3u);
  for (const auto& p : present_) EXPECT_TRUE(p.second.second);
  // No check ran (the source could not be asked): nothing is verified.
  // a's last attempt was a 410 and no record says otherwise: gone.
  const ValidationCounts& c = result_.counts;
  EXPECT_EQ(c.verified, 0u);
  EXPECT_EQ(c.unverified, 2u);
  EXPECT_EQ(c.gone, 2u);
  std::string s = kSrc;
  EXPECT_EQ(retry_, (std::vector<std::string>{s + "x/b.jpg", s + "x/c.jpg?v=1",
                                              s + "x/gone.jpg"}));
  EXPECT_EQ(gone_out_,
            (std::vector<std::string>{s + "x/a.jpg\thttp 410",
                                      s + "y/lost%20one.jpg\thttp 404"}));
  // A record of another URL for the key does not vouch for it either.
  WriteFile(dir_.File("completed.txt"),
            "https://elsewhere/a.jpg\timages/a.jpg\t1\t\n");
  ListingIndex fresh("images/");
  MakeIndex(&fresh);
  RunPasses(&fresh);
  EXPECT_TRUE(present_[0].second);
}

TEST_F(ValidatorTest, PruneMarksCorruptDropsBadAndAPrunedObjectStaysBad) {
  RunPasses(&index_);
  index_.SetFlag(0, kCorrupt);  // as a deep check would
  size_t changed = 0;
  ASSERT_TRUE(
      PruneCompleted(dir_.File("completed.txt"), "dest", index_, &changed)
          .ok());
  EXPECT_EQ(changed, 4u);  // a (marked), b and c 7 (size), gone (absent)
  std::string s = kSrc;
  EXPECT_EQ(ReadFile(dir_.File("completed.txt")),
            "# wrong\t" + s + "x/a.jpg\timages/a.jpg\t1\tmd5:x\n" + s +
                "x/c.jpg?v=1\timages/c.jpg\t3\t\tdest\n" + s +
                "x/c.jpg?v=1\timages/c.jpg\t999\t\tother\n" +
                "u\tother/x.jpg\t1\t\n");
  // The next validate, with no check at all, still reports a as wrong and
  // b as needing the source's size: pruning made nothing good.
  ListingIndex again("images/");
  MakeIndex(&again);
  RunPasses(&again);
  EXPECT_EQ(result_.counts.corrupt, 1u);
  EXPECT_EQ(result_.counts.verified, 1u);  // c
  EXPECT_EQ(retry_, (std::vector<std::string>{s + "x/a.jpg", s + "x/b.jpg",
                                              s + "x/gone.jpg"}));
  EXPECT_TRUE(present_[1].second);
  // A record appended after the marker (a repair run) vouches again.
  std::string text = ReadFile(dir_.File("completed.txt"));
  WriteFile(dir_.File("completed.txt"),
            text + s + "x/a.jpg\timages/a.jpg\t1\tmd5:y\tdest\n");
  ListingIndex repaired("images/");
  MakeIndex(&repaired);
  RunPasses(&repaired);
  EXPECT_EQ(result_.counts.corrupt, 0u);
  EXPECT_EQ(result_.counts.verified, 2u);  // a and c
}

TEST_F(ValidatorTest, NothingToPruneLeavesFileAlone) {
  ListingIndex all("images/");
  for (const char* k :
       {"images/a.jpg", "images/b.jpg", "images/c.jpg", "images/gone.jpg"}) {
    all.Add(k, 0, "");
  }
  all.Finish();
  WriteFile(dir_.File("c2.txt"),
            "# cfmigrate completed v2\nu\timages/a.jpg\t0\t\tdest\n"
            "u\timages/zz.jpg\t0\t\tother\ntorn");
  size_t changed = 9;
  ASSERT_TRUE(PruneCompleted(dir_.File("c2.txt"), "dest", all, &changed).ok());
  EXPECT_EQ(changed, 0u);
  EXPECT_EQ(ReadFile(dir_.File("c2.txt")),
            "# cfmigrate completed v2\nu\timages/a.jpg\t0\t\tdest\n"
            "u\timages/zz.jpg\t0\t\tother\ntorn");
}

TEST(ListFileWriterTest, CommitRenamesAndAbandonLeavesNothing) {
  TempDir dir;
  {
    auto w = ListFileWriter::Open(dir.File("missing.txt"));
    ASSERT_TRUE(w.ok());
    (*w)->Add("https://h/a.jpg");
  }  // not committed
  EXPECT_FALSE(std::filesystem::exists(dir.File("missing.txt")));
  EXPECT_FALSE(std::filesystem::exists(dir.File("missing.txt.tmp")));
  auto w = ListFileWriter::Open(dir.File("missing.txt"));
  ASSERT_TRUE(w.ok());
  (*w)->Add("https://h/a.jpg");
  (*w)->Add("https://h/b.jpg");
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(ReadFile(dir.File("missing.txt")),
            "https://h/a.jpg\nhttps://h/b.jpg\n");
}

}  // namespace
}  // namespace cfm
