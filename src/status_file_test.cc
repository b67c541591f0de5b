#include "status_file.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cfm {
namespace {

RunStatus Sample() {
  RunStatus s;
  s.command = "migrate";
  s.pid = 42;
  s.total = 100;
  s.done = 30;
  s.failed = 2;
  s.retrying = 1;
  s.files_per_second = 12.5;
  s.eta_seconds = 5.6;
  s.updated_at = 1700000000;
  s.failures["http 404"] = ReasonCount{2, "https://x/a.jpg", true};
  return s;
}

TEST(StatusFileTest, RunningUntilExitCodeIsSet) {
  RunStatus s = Sample();
  nlohmann::json j = nlohmann::json::parse(StatusToJson(s));
  EXPECT_EQ(j["running"], true);
  EXPECT_TRUE(j["exit_code"].is_null());
  EXPECT_EQ(j["pid"], 42);
  EXPECT_EQ(j["command"], "migrate");
  EXPECT_EQ(j["total"], 100);
  EXPECT_EQ(j["done"], 30);
  EXPECT_EQ(j["failed"], 2);
  EXPECT_EQ(j["retrying"], 1);
  EXPECT_EQ(j["files_per_second"], 12.5);
  EXPECT_EQ(j["eta_seconds"], 5.6);
  EXPECT_EQ(j["updated_at"], 1700000000);
  s.exit_code = 1;
  s.eta_seconds = -1;
  j = nlohmann::json::parse(StatusToJson(s));
  EXPECT_EQ(j["running"], false);
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_TRUE(j["eta_seconds"].is_null());
}

TEST(StatusFileTest, RoundTrips) {
  RunStatus s = Sample();
  s.exit_code = 130;
  s.outcome = "interrupted";
  Result<RunStatus> back = StatusFromJson(StatusToJson(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(StatusToJson(*back), StatusToJson(s));
}

TEST(StatusFileTest, ShardIsWrittenOnlyWhenSplit) {
  RunStatus s;
  s.command = "migrate";
  EXPECT_EQ(StatusToJson(s).find("shard"), std::string::npos);
  s.shard = "shard 3 of 16";
  Result<RunStatus> back = StatusFromJson(StatusToJson(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->shard, "shard 3 of 16");
}

TEST(StatusFileTest, RejectsWhatIsNotAStatusFile) {
  EXPECT_FALSE(StatusFromJson("").ok());
  EXPECT_FALSE(StatusFromJson("[1,2]").ok());
  EXPECT_FALSE(StatusFromJson("{\"total\": 3}").ok());
  EXPECT_FALSE(StatusFromJson("{\"command\": \"x\", \"total\": \"a\"}").ok());
}

}  // namespace
}  // namespace cfm
