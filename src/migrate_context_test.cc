#include "migrate_context.h"

#include <gtest/gtest.h>

#include "crypto.h"

namespace cfm {
namespace {

TEST(IntegrityTest, PlainMd5FromEtag) {
  EXPECT_EQ(PlainMd5FromEtag("\"0123456789ABCDEF0123456789abcdef\""),
            "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(PlainMd5FromEtag("0123456789abcdef0123456789abcdef"),
            "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(PlainMd5FromEtag("W/\"0123456789abcdef0123456789abcdef\""), "");
  EXPECT_EQ(PlainMd5FromEtag("\"0123456789abcdef0123456789abcdef-2\""), "");
  EXPECT_EQ(PlainMd5FromEtag("\"5f3a-6c1\""), "");
  EXPECT_EQ(PlainMd5FromEtag("\"0123456789abcdef0123456789abcdeg\""), "");
  EXPECT_EQ(PlainMd5FromEtag(""), "");
}

TEST(IntegrityTest, AutoUsesSourceMd5WithoutHashing) {
  // The body deliberately does not match: auto mode must not hash, it
  // passes the source's MD5 on for S3 to check.
  std::string etag = "\"" + HexEncode(Md5("hello")) + "\"";
  auto i = ComputeIntegrity(ChecksumMode::kAuto, etag, "other bytes");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->content_md5, Base64Encode(Md5("hello")));
  EXPECT_EQ(i->checksum_crc32c, "");
  EXPECT_EQ(i->record, "md5:" + HexEncode(Md5("hello")));
}

TEST(IntegrityTest, AutoFallsBackToCrc32c) {
  auto i = ComputeIntegrity(ChecksumMode::kAuto, "W/\"abc\"", "123456789");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->content_md5, "");
  EXPECT_EQ(i->checksum_crc32c, Crc32cBase64(0xE3069283));
  EXPECT_EQ(i->record, "crc32c:" + Crc32cBase64(0xE3069283));
}

TEST(IntegrityTest, Md5ModeHashesAndCatchesMismatch) {
  std::string etag = "\"" + HexEncode(Md5("hello")) + "\"";
  auto good = ComputeIntegrity(ChecksumMode::kMd5, etag, "hello");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->content_md5, Base64Encode(Md5("hello")));
  auto bad = ComputeIntegrity(ChecksumMode::kMd5, etag, "hellO");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kCorruption);
  auto no_etag = ComputeIntegrity(ChecksumMode::kMd5, "", "x");
  ASSERT_TRUE(no_etag.ok());
  EXPECT_EQ(no_etag->content_md5, Base64Encode(Md5("x")));
}

TEST(IntegrityTest, PrecomputedCrcIsUsed) {
  EXPECT_TRUE(NeedsCrc32c(ChecksumMode::kAuto, "W/\"x\""));
  EXPECT_FALSE(
      NeedsCrc32c(ChecksumMode::kAuto, "\"0123456789abcdef0123456789abcdef\""));
  EXPECT_TRUE(NeedsCrc32c(ChecksumMode::kCrc32c,
                          "\"0123456789abcdef0123456789abcdef\""));
  EXPECT_FALSE(NeedsCrc32c(ChecksumMode::kMd5, ""));
  EXPECT_FALSE(NeedsCrc32c(ChecksumMode::kNone, ""));
  uint32_t running = Crc32c("6789", Crc32c("12345"));
  auto i = ComputeIntegrity(ChecksumMode::kCrc32c, "", "123456789", &running);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->checksum_crc32c, Crc32cBase64(0xE3069283));
  uint32_t wrong = 1;
  auto j = ComputeIntegrity(ChecksumMode::kCrc32c, "", "123456789", &wrong);
  EXPECT_EQ(j->checksum_crc32c, Crc32cBase64(1));  // trusted, not recomputed
}

TEST(IntegrityTest, Crc32cAndNone) {
  std::string etag = "\"" + HexEncode(Md5("hello")) + "\"";
  auto c = ComputeIntegrity(ChecksumMode::kCrc32c, etag, "123456789");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->content_md5, "");
  EXPECT_EQ(c->checksum_crc32c, Crc32cBase64(0xE3069283));
  auto n = ComputeIntegrity(ChecksumMode::kNone, etag, "x");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->content_md5, "");
  EXPECT_EQ(n->checksum_crc32c, "");
  EXPECT_EQ(n->record, "");
}

}  // namespace
}  // namespace cfm
