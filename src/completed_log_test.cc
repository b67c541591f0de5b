#include "completed_log.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace cfm {
namespace {

std::vector<CompletedRecord> LoadAll(const std::string& path,
                                     size_t* skipped = nullptr) {
  std::vector<CompletedRecord> out;
  Status s = LoadCompleted(
      path, [&](const CompletedRecord& r) { out.push_back(r); }, skipped);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(CompletedLogTest, FormatAndParseRoundTrip) {
  CompletedRecord r{"https://h/a.jpg", "images/a.jpg", 12345, "md5:abc"};
  std::string line = FormatCompletedLine(r);
  EXPECT_EQ(line, "https://h/a.jpg\timages/a.jpg\t12345\tmd5:abc\n");
  CompletedRecord p;
  ASSERT_TRUE(ParseCompletedLine(line, &p));
  EXPECT_EQ(p.url, r.url);
  EXPECT_EQ(p.key, r.key);
  EXPECT_EQ(p.bytes, r.bytes);
  EXPECT_EQ(p.checksum, r.checksum);
  ASSERT_TRUE(ParseCompletedLine("u\tk\t0\r", &p));  // no checksum field
  EXPECT_EQ(p.bytes, 0u);
  EXPECT_EQ(p.checksum, "");
}

TEST(CompletedLogTest, RejectsGarbledLines) {
  CompletedRecord p;
  EXPECT_FALSE(ParseCompletedLine("", &p));
  EXPECT_FALSE(ParseCompletedLine("https://h/a.jpg", &p));
  EXPECT_FALSE(ParseCompletedLine("https://h/a.jpg\timages/a.jpg", &p));
  EXPECT_FALSE(ParseCompletedLine("https://h/a.jpg\timages/a.jpg\t", &p));
  EXPECT_FALSE(ParseCompletedLine("https://h/a.jpg\timages/a.jpg\t12x\t", &p));
  EXPECT_FALSE(ParseCompletedLine("https://h/a.jpg\timages/a.jpg\t-1\t", &p));
  EXPECT_FALSE(ParseCompletedLine("\tk\t1\t", &p));
}

TEST(CompletedLogTest, LoadSkipsTornLastLine) {
  TempDir dir;
  WriteFile(dir.File("c.txt"),
            "u1\tk1\t1\tmd5:x\n"
            "garbage\n"
            "u2\tk2\t2\t\n"
            "u3\tk3\t3");  // torn: no '\n'
  size_t skipped = 0;
  auto recs = LoadAll(dir.File("c.txt"), &skipped);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].url, "u1");
  EXPECT_EQ(recs[1].key, "k2");
  EXPECT_EQ(recs[1].bytes, 2u);
  EXPECT_EQ(skipped, 1u);
}

TEST(CompletedLogTest, MissingFileIsEmpty) {
  TempDir dir;
  EXPECT_TRUE(LoadAll(dir.File("none.txt")).empty());
}

TEST(CompletedLogTest, LinesLongerThanABlockAndAcrossBlocks) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 200000; ++i) {
    data += FormatCompletedLine({"https://h/" + std::to_string(i),
                                 "k" + std::to_string(i),
                                 static_cast<uint64_t>(i), ""});
  }
  std::string huge(5 << 20, 'x');
  data += FormatCompletedLine({huge, "k", 7, ""});
  WriteFile(dir.File("c.txt"), data);
  auto recs = LoadAll(dir.File("c.txt"));
  ASSERT_EQ(recs.size(), 200001u);
  EXPECT_EQ(recs[123456].key, "k123456");
  EXPECT_EQ(recs[123456].bytes, 123456u);
  EXPECT_EQ(recs.back().url.size(), huge.size());
}

TEST(CompletedLogTest, WriterCutsOffTornLine) {
  TempDir dir;
  WriteFile(dir.File("c.txt"), "u1\tk1\t1\t\nu2\tk2\t2");  // torn
  {
    auto log = CompletedLog::Open(dir.File("c.txt"));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_TRUE((*log)->Append({"u3", "k3", 3, "crc32c:AAAA"}).ok());
    ASSERT_TRUE((*log)->Sync().ok());
  }
  // The torn record is gone (its byte count or bucket may be cut short),
  // so migrate simply copies that object again.
  EXPECT_EQ(ReadFile(dir.File("c.txt")),
            "u1\tk1\t1\t\nu3\tk3\t3\tcrc32c:AAAA\n");
  auto recs = LoadAll(dir.File("c.txt"));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].checksum, "crc32c:AAAA");
  // A file that is one torn line gets the header with its first record,
  // and a line longer than the backward read block is found too.
  WriteFile(dir.File("t.txt"), "u0\tk0\t1");
  WriteFile(dir.File("long.txt"),
            std::string(200000, 'x') + "\n" + std::string(100000, 'y'));
  for (const char* name : {"t.txt", "long.txt"}) {
    auto log = CompletedLog::Open(dir.File(name), "b");
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append({"u", "k", 1, ""}).ok());
  }
  EXPECT_EQ(ReadFile(dir.File("t.txt")),
            std::string(kCompletedHeader) + "u\tk\t1\t\tb\n");
  EXPECT_EQ(ReadFile(dir.File("long.txt")),
            std::string(200000, 'x') + "\nu\tk\t1\t\tb\n");
}

TEST(CompletedLogTest, ConcurrentAppendsNeverInterleave) {
  TempDir dir;
  auto log = CompletedLog::Open(dir.File("c.txt"));
  ASSERT_TRUE(log.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(
            (*log)->Append({"https://h/" + id, "k" + id, 42, "md5:ff"}).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  size_t skipped = 0;
  auto recs = LoadAll(dir.File("c.txt"), &skipped);
  EXPECT_EQ(recs.size(), 8000u);
  EXPECT_EQ(skipped, 0u);
}

TEST(CompletedLogTest, V2RecordsNameTheirBucket) {
  CompletedRecord r{"https://h/a.jpg", "images/a.jpg", 7, "", "dest"};
  EXPECT_EQ(FormatCompletedLine(r),
            "https://h/a.jpg\timages/a.jpg\t7\t\tdest\n");
  CompletedRecord p;
  ASSERT_TRUE(
      ParseCompletedLine("https://h/a.jpg\timages/a.jpg\t7\t\tdest", &p));
  EXPECT_EQ(p.checksum, "");
  EXPECT_EQ(p.bucket, "dest");
  EXPECT_FALSE(p.wrong);
  EXPECT_TRUE(RecordCountsFor(p, "dest"));
  EXPECT_FALSE(RecordCountsFor(p, "other"));
  // A v1 record names no bucket: it counts for any.
  ASSERT_TRUE(
      ParseCompletedLine("https://h/a.jpg\timages/a.jpg\t7\tmd5:x", &p));
  EXPECT_EQ(p.bucket, "");
  EXPECT_TRUE(RecordCountsFor(p, "other"));
  // Validate's marker is never a record of success.
  r.wrong = true;
  std::string marker = FormatCompletedLine(r);
  EXPECT_EQ(marker, "# wrong\thttps://h/a.jpg\timages/a.jpg\t7\t\tdest\n");
  ASSERT_TRUE(ParseCompletedLine(marker, &p));
  EXPECT_TRUE(p.wrong);
  EXPECT_FALSE(RecordCountsFor(p, "dest"));
  EXPECT_FALSE(ParseCompletedLine("# cfmigrate completed v2", &p));
  EXPECT_NE(RecordId("u", "k1"), RecordId("u", "k2"));
  EXPECT_EQ(RecordId("u", "k1"), RecordId("u", "k1"));
}

TEST(CompletedLogTest, HeaderWithTheFirstRecordOnly) {
  TempDir dir;
  {
    auto log = CompletedLog::Open(dir.File("c.txt"), "dest");
    ASSERT_TRUE(log.ok());
  }
  EXPECT_EQ(ReadFile(dir.File("c.txt")), "");  // nothing done, no header
  for (const char* bucket : {"dest", "other"}) {
    auto log = CompletedLog::Open(dir.File("c.txt"), bucket);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append({"u1", "k1", 1, "", "ignored"}).ok());
    ASSERT_TRUE((*log)->Append({"u2", "k2", 2, ""}).ok());
  }
  EXPECT_EQ(ReadFile(dir.File("c.txt")),
            "# cfmigrate completed v2\n"
            "u1\tk1\t1\t\tdest\nu2\tk2\t2\t\tdest\n"
            "u1\tk1\t1\t\tother\nu2\tk2\t2\t\tother\n");
  size_t skipped = 0;
  auto recs = LoadAll(dir.File("c.txt"), &skipped);
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[1].bucket, "dest");
  EXPECT_EQ(recs[3].bucket, "other");
  EXPECT_EQ(skipped, 0u);  // the header is not a garbled line
}

TEST(CompletedLogTest, AppendingToAV1FileKeepsItsRecords) {
  TempDir dir;
  WriteFile(dir.File("c.txt"), "u1\tk1\t1\tmd5:ab\n");
  {
    auto log = CompletedLog::Open(dir.File("c.txt"), "dest");
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append({"u2", "k2", 2, ""}).ok());
  }
  EXPECT_EQ(ReadFile(dir.File("c.txt")),
            "u1\tk1\t1\tmd5:ab\nu2\tk2\t2\t\tdest\n");
  auto recs = LoadAll(dir.File("c.txt"));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].bucket, "");
  EXPECT_EQ(recs[1].bucket, "dest");
}

TEST(CompletedLogTest, NewerFormatIsRefusedAndMarkersAreNotLoaded) {
  TempDir dir;
  WriteFile(dir.File("c.txt"), "# cfmigrate completed v3\nu\tk\t1\t\tb\n");
  Status s = LoadCompleted(dir.File("c.txt"), [](const CompletedRecord&) {});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("v3"), std::string::npos) << s.ToString();
  WriteFile(dir.File("c.txt"),
            "# cfmigrate completed v2\n# wrong\tu\tk\t1\t\tb\nu\tk\t1\t\tb\n");
  EXPECT_EQ(LoadAll(dir.File("c.txt")).size(), 1u);
  std::vector<std::string> raw;
  size_t markers = 0;
  ASSERT_TRUE(ScanCompleted(dir.File("c.txt"), [&](const CompletedRecord* r,
                                                   std::string_view l) {
                raw.emplace_back(l);
                if (r != nullptr && r->wrong) ++markers;
              }).ok());
  EXPECT_EQ(raw.size(), 3u);
  EXPECT_EQ(raw[0], "# cfmigrate completed v2");
  EXPECT_EQ(markers, 1u);
}

}  // namespace
}  // namespace cfm
