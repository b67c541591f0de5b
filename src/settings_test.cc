#include "settings.h"

#include <gtest/gtest.h>

#include <map>

namespace cfm {
namespace {

struct Fixture {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> exported;

  Result<Settings> Load(unsigned command, std::vector<std::string> args,
                        std::string default_file = "migration.env") {
    SettingsInput in;
    in.command = command;
    in.args = std::move(args);
    in.default_env_file = default_file;
    in.getenv = [this](const char* n) -> const char* {
      auto it = env.find(n);
      return it == env.end() ? nullptr : it->second.c_str();
    };
    in.read_file = [this](const std::string& p) -> Result<std::string> {
      auto it = files.find(p);
      if (it == files.end()) return Status::NotFound("no such file");
      return it->second;
    };
    in.export_env = [this](const std::string& n, const std::string& v) {
      exported[n] = v;
    };
    return LoadSettings(in);
  }
};

TEST(SettingsTest, PrecedenceFlagEnvFileDefault) {
  Fixture f;
  f.files["migration.env"] =
      "DESTINATION_BUCKET=from-file\nCONCURRENCY=10\nMAX_RETRIES=5\n";
  f.env["CONCURRENCY"] = "20";
  f.env["DESTINATION_BUCKET"] = "from-env";
  auto s = f.Load(kMigrate, {"--destination-bucket", "from-flag"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Get("DESTINATION_BUCKET"), "from-flag");
  EXPECT_EQ(s->Source("DESTINATION_BUCKET"), "flag --destination-bucket");
  EXPECT_EQ(s->GetInt("CONCURRENCY"), 20);
  EXPECT_EQ(s->Source("CONCURRENCY"), "environment");
  EXPECT_EQ(s->GetInt("MAX_RETRIES"), 5);
  EXPECT_EQ(s->Source("MAX_RETRIES"), "migration.env:3");
  EXPECT_EQ(s->Get("DESTINATION_PREFIX"), "images/");
  EXPECT_EQ(s->Source("DESTINATION_PREFIX"), "default");
}

TEST(SettingsTest, FlagWithEqualsAndBoolFlags) {
  Fixture f;
  auto s = f.Load(kMigrate, {"--destination-bucket=my-bucket",
                             "--preserve-path-structure", "--dry-run"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Get("DESTINATION_BUCKET"), "my-bucket");
  EXPECT_TRUE(s->GetBool("PRESERVE_PATH_STRUCTURE"));
  EXPECT_TRUE(s->GetBool("DRY_RUN"));
}

TEST(SettingsTest, EnvFileSyntax) {
  Fixture f;
  f.files["migration.env"] =
      "\xEF\xBB\xBF# comment\r\n\r\nexport DESTINATION_BUCKET=\"b-1\"\r\n"
      "DESTINATION_PREFIX='x/ y/'\nLOG_LEVEL=debug # trailing\n";
  auto s = f.Load(kMigrate, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Get("DESTINATION_BUCKET"), "b-1");
  EXPECT_EQ(s->Get("DESTINATION_PREFIX"), "x/ y/");
  EXPECT_EQ(s->Get("LOG_LEVEL"), "DEBUG");  // stored as spelled in choices
}

TEST(SettingsTest, EnumValuesAreStoredInTheirCanonicalSpelling) {
  Fixture f;
  auto s = f.Load(kMigrate, {"--checksum", "CRC32C", "--log-level", "warn",
                             "--destination-bucket", "b-1"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Get("CHECKSUM"), "crc32c");
  EXPECT_EQ(s->Get("LOG_LEVEL"), "WARN");
  EXPECT_EQ(s->Get("DESTINATION_BUCKET"), "b-1");  // other kinds untouched
}

TEST(SettingsTest, EnvFileProblemsNameFileAndLine) {
  Fixture f;
  f.files["my.env"] =
      "DESTINATION_BUCKET=ok-bucket\nCONCURENCY=5\nthis is not a setting\n"
      "DRY_RUN=true\n";
  auto s = f.Load(kMigrate, {"--env-file", "my.env"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kInvalidArgument);
  const std::string& m = s.status().message();
  EXPECT_NE(m.find("my.env:2: unknown setting CONCURENCY"), std::string::npos)
      << m;
  EXPECT_NE(m.find("my.env:3: expected NAME=value"), std::string::npos) << m;
  EXPECT_NE(m.find("my.env:4: DRY_RUN can only be given on the command line"),
            std::string::npos)
      << m;
}

TEST(SettingsTest, BadValuesAreReportedByNameAndSource) {
  Fixture f;
  f.env["CONCURRENCY"] = "lots";
  auto s = f.Load(kMigrate,
                  {"--destination-bucket", "My_Bucket", "--checksum", "sha1"});
  ASSERT_FALSE(s.ok());
  const std::string& m = s.status().message();
  EXPECT_NE(m.find("CONCURRENCY='lots' (environment): expected a whole number"),
            std::string::npos)
      << m;
  EXPECT_NE(
      m.find("DESTINATION_BUCKET='My_Bucket' (flag --destination-bucket)"),
      std::string::npos)
      << m;
  EXPECT_NE(m.find("CHECKSUM='sha1'"), std::string::npos) << m;
}

TEST(SettingsTest, MissingRequiredAndMissingNamedFile) {
  Fixture f;
  auto s = f.Load(kMigrate, {"--env-file", "nope.env"});
  ASSERT_FALSE(s.ok());
  const std::string& m = s.status().message();
  EXPECT_NE(m.find("env file nope.env: no such file"), std::string::npos) << m;
  EXPECT_NE(m.find("DESTINATION_BUCKET is required"), std::string::npos) << m;
}

TEST(SettingsTest, TyposGetASuggestion) {
  Fixture f;
  f.files["migration.env"] = "DESTINATON_BUCKET=b-1\nLOGLEVEL=debug\n";
  auto s = f.Load(kMigrate, {"--concurency", "4", "--zzz", "1"});
  ASSERT_FALSE(s.ok());
  const std::string& m = s.status().message();
  EXPECT_NE(m.find("migration.env:1: unknown setting DESTINATON_BUCKET; did "
                   "you mean DESTINATION_BUCKET?"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("unknown setting LOGLEVEL; did you mean LOG_LEVEL?"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("unknown option --concurency; did you mean --concurrency?"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("unknown option --zzz\n"), std::string::npos) << m;
}

TEST(SettingsTest, MissingRequiredNamesTheEnvFileLookedFor) {
  Fixture f;
  auto s = f.Load(kMigrate, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(
                "DESTINATION_BUCKET is required: set it in an env file "
                "(migration.env was looked for in the current directory and "
                "is not there; --env-file FILE names another), the "
                "environment, or --destination-bucket"),
            std::string::npos)
      << s.status().message();
  f.files["migration.env"] = "CONCURRENCY=5\n";
  s = f.Load(kMigrate, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(
                "DESTINATION_BUCKET is required: set it in the env file "
                "migration.env (read; it has no DESTINATION_BUCKET), the "
                "environment, or --destination-bucket"),
            std::string::npos)
      << s.status().message();
}

TEST(SettingsTest, UnknownFlagsAndFlagsOfOtherCommands) {
  Fixture f;
  auto s = f.Load(kMigrate, {"--destination-bucket", "abc", "--bogus", "1",
                             "--api-base-url", "http://x/", "stray"});
  ASSERT_FALSE(s.ok());
  const std::string& m = s.status().message();
  EXPECT_NE(m.find("unknown option --bogus"), std::string::npos) << m;
  EXPECT_NE(m.find("--api-base-url does not apply"), std::string::npos) << m;
  EXPECT_NE(m.find("unexpected argument 'stray'"), std::string::npos) << m;
}

TEST(SettingsTest, AwsNamesInEnvFileAreExportedUnlessSet) {
  Fixture f;
  f.files["migration.env"] =
      "DESTINATION_BUCKET=abc\nAWS_ENDPOINT_URL=http://127.0.0.1:1\n"
      "AWS_PROFILE=fromfile\n";
  f.env["AWS_PROFILE"] = "fromenv";
  auto s = f.Load(kMigrate, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(f.exported["AWS_ENDPOINT_URL"], "http://127.0.0.1:1");
  EXPECT_EQ(f.exported.count("AWS_PROFILE"), 0u);
}

TEST(SettingsTest, SecretValuesAreNotEchoed) {
  Fixture f;
  // A token can be anything; force a failure elsewhere and check the token
  // value is not in the message.
  f.env["API_AUTH_TOKEN"] = "s3cr3t-token";
  auto s = f.Load(kCollect, {"--api-base-url", "ftp://x"}, "collection.env");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message().find("s3cr3t"), std::string::npos);
}

TEST(SettingsTest, BucketNameRules) {
  const SettingSpec* bucket = nullptr;
  for (const SettingSpec& s : AllSettings())
    if (std::string(s.name) == "DESTINATION_BUCKET") bucket = &s;
  ASSERT_NE(bucket, nullptr);
  EXPECT_EQ(CheckValue(*bucket, "my-bucket.images"), "");
  EXPECT_NE(CheckValue(*bucket, "ab"), "");
  EXPECT_NE(CheckValue(*bucket, "Upper"), "");
  EXPECT_NE(CheckValue(*bucket, "a..b"), "");
  EXPECT_NE(CheckValue(*bucket, "-ab"), "");
  EXPECT_NE(CheckValue(*bucket, "192.168.1.1"), "");
  EXPECT_NE(CheckValue(*bucket, "xn--abc"), "");
}

TEST(SettingsTest, NumberRanges) {
  Fixture f;
  auto s = f.Load(kMigrate, {"--destination-bucket", "abc", "--concurrency",
                             "0", "--download-timeout", "2.5"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("CONCURRENCY='0'"), std::string::npos);
  EXPECT_EQ(s.status().message().find("DOWNLOAD_TIMEOUT"), std::string::npos);
}

TEST(SettingsTest, ConcurrencyTakesAutoAndMaxConcurrencyDefaultsTo1000) {
  Fixture f;
  f.env["CONCURRENCY"] = "Auto";
  auto s = f.Load(kMigrate, {"--destination-bucket", "bkt"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Get("CONCURRENCY"), "auto");
  EXPECT_EQ(s->GetInt("MAX_CONCURRENCY"), 1000);
  f.env["CONCURRENCY"] = "autox";
  f.env["MAX_CONCURRENCY"] = "0";
  auto bad = f.Load(kMigrate, {"--destination-bucket", "bkt"});
  ASSERT_FALSE(bad.ok());
  const std::string& m = bad.status().message();
  EXPECT_NE(m.find("CONCURRENCY='autox' (environment): expected a whole "
                   "number or auto"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("MAX_CONCURRENCY='0' (environment): must be between 1"),
            std::string::npos)
      << m;
}

TEST(SettingsTest, SourceHttpVersionTakesOnePointOneOrTwoOnly) {
  Fixture f;
  auto d = f.Load(kMigrate, {"--destination-bucket", "bkt"});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->Get("SOURCE_HTTP_VERSION"), "1.1");  // chosen by the rig
  for (const char* v : {"1.1", "2"}) {
    auto s = f.Load(
        kMigrate, {"--destination-bucket", "bkt", "--source-http-version", v});
    ASSERT_TRUE(s.ok()) << v << ": " << s.status().ToString();
    EXPECT_EQ(s->Get("SOURCE_HTTP_VERSION"), v);
  }
  for (const char* v : {"1", "3", "http2", ""}) {
    f.env["SOURCE_HTTP_VERSION"] = v;
    auto bad = f.Load(kMigrate, {"--destination-bucket", "bkt"});
    ASSERT_FALSE(bad.ok()) << v;
    EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(
        bad.status().message().find("SOURCE_HTTP_VERSION='" + std::string(v) +
                                    "' (environment): expected one of 1.1|2"),
        std::string::npos)
        << bad.status().message();
  }
}

}  // namespace
}  // namespace cfm
