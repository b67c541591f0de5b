#include "checkpoint.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace cfm {
namespace {

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cfm-checkpoint-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string dir_;
};

Checkpoint Sample() {
  Checkpoint c;
  c.api_base_url = "http://127.0.0.1:1/api?x=1";
  c.pagination = "cursor";
  c.output_file = "urls.txt";
  c.state.page = 7;
  c.state.offset = 600;
  c.state.cursor = "c\"ur\nsor";
  c.state.next_url = "http://127.0.0.1:1/api?after=5";
  c.state.items_seen = 600;
  c.urls_written = 1234;
  c.output_bytes = 98765;
  c.duplicates = 3;
  c.duplicate_example = "https://cdn/dup";
  c.foreign = 4;
  c.foreign_example = "https://else/where";
  c.malformed = 2;
  c.malformed_example = "{\"id\":1}";
  c.pages = 12;
  c.api_total = 5000;
  return c;
}

TEST_F(CheckpointTest, RoundTripsEveryField) {
  std::string path = dir_ + "/checkpoint.json";
  ASSERT_TRUE(SaveCheckpoint(path, Sample()).ok());
  Result<Checkpoint> c = LoadCheckpoint(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(CheckpointToJson(*c), CheckpointToJson(Sample()));
  EXPECT_EQ(c->state.cursor, "c\"ur\nsor");
  EXPECT_EQ(c->api_total, 5000);
  EXPECT_FALSE(c->state.done);
  EXPECT_EQ(c->malformed_example, "{\"id\":1}");
  struct stat st;
  EXPECT_NE(::stat((path + ".tmp").c_str(), &st), 0);  // no temp file left
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // it may name the API
}

TEST_F(CheckpointTest, OlderFileWithoutSkipReasonsLoads) {
  std::string text = CheckpointToJson(Sample());
  nlohmann::json j = nlohmann::json::parse(text);
  for (const char* k : {"foreign", "malformed", "duplicate_example",
                        "foreign_example", "malformed_example"})
    j.erase(k);
  j["invalid"] = 9;
  Result<Checkpoint> c = CheckpointFromJson(j.dump());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->foreign, 9);
  EXPECT_EQ(c->malformed, 0);
  EXPECT_EQ(c->foreign_example, "");
}

TEST_F(CheckpointTest, MissingIsNotFoundAndGarbageIsCorruption) {
  EXPECT_EQ(LoadCheckpoint(dir_ + "/none.json").status().code(),
            Status::Code::kNotFound);
  std::ofstream(dir_ + "/bad.json") << "{\"version\": 1, \"page\": ";
  EXPECT_EQ(LoadCheckpoint(dir_ + "/bad.json").status().code(),
            Status::Code::kCorruption);
  std::ofstream(dir_ + "/v9.json") << "{\"version\": 9}";
  Result<Checkpoint> v9 = LoadCheckpoint(dir_ + "/v9.json");
  EXPECT_EQ(v9.status().code(), Status::Code::kCorruption);
  EXPECT_NE(v9.status().message().find("version"), std::string::npos);
}

TEST_F(CheckpointTest, FailedSaveKeepsTheOldCheckpoint) {
  std::string path = dir_ + "/checkpoint.json";
  ASSERT_TRUE(SaveCheckpoint(path, Sample()).ok());
  std::string before = Read(path);
  Status s = SaveCheckpoint(dir_ + "/no/such/dir/checkpoint.json", Sample());
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("no/such/dir/checkpoint.json.tmp"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(Read(path), before);
}

TEST_F(CheckpointTest, UrlFileWriterCountsOnlySyncedBytesAsDurable) {
  std::string path = dir_ + "/urls.txt";
  {
    UrlFileWriter f;
    ASSERT_TRUE(f.Open(path, 0).ok());
    ASSERT_TRUE(f.AppendLine("https://a/1").ok());
    EXPECT_EQ(f.size(), 12);
    EXPECT_EQ(f.durable_size(), 0);
    EXPECT_EQ(Read(path), "");  // still in the buffer
    ASSERT_TRUE(f.Sync().ok());
    EXPECT_EQ(f.durable_size(), 12);
    EXPECT_EQ(Read(path), "https://a/1\n");
    ASSERT_TRUE(f.AppendLine("https://a/2").ok());
  }  // destructor flushes
  EXPECT_EQ(Read(path), "https://a/1\nhttps://a/2\n");
}

TEST_F(CheckpointTest, UrlFileWriterOpenTruncatesToCheckpointedLength) {
  std::string path = dir_ + "/urls.txt";
  std::ofstream(path) << "keep\nlost-after-crash\npartial";
  UrlFileWriter f;
  ASSERT_TRUE(f.Open(path, 5).ok());
  ASSERT_TRUE(f.AppendLine("next").ok());
  ASSERT_TRUE(f.Sync().ok());
  EXPECT_EQ(Read(path), "keep\nnext\n");
  UrlFileWriter g;
  EXPECT_EQ(g.Open(path, 500).code(), Status::Code::kCorruption);
}

TEST_F(CheckpointTest, UrlFileWriterWritesThroughWhenBufferFills) {
  std::string path = dir_ + "/big.txt";
  UrlFileWriter f;
  ASSERT_TRUE(f.Open(path, 0).ok());
  std::string line(999, 'x');
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(f.AppendLine(line).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_GT(st.st_size, 0);  // the 1 MB buffer went out at least twice
  EXPECT_EQ(f.size(), 3000000);
}

}  // namespace
}  // namespace cfm
