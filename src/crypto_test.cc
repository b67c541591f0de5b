#include "crypto.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace cfm {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  EXPECT_TRUE(HexDecode(hex, &out)) << hex;
  return out;
}

TEST(CryptoTest, Sha256KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The AWS PutObject example body.
  EXPECT_EQ(Sha256Hex("Welcome to Amazon S3."),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(Sha256("abc").size(), kSha256Size);
  // Two blocks and more (FIPS 180-2 example 2).
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(CryptoTest, Md5KnownVectors) {
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Md5("The quick brown fox jumps over the lazy dog")),
            "9e107d9d372bb6826bd81d3542a419d6");
  // Content-MD5 header form.
  EXPECT_EQ(Base64Encode(Md5("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
}

TEST(CryptoTest, Md5HasherMatchesOneShotAcrossPieces) {
  const std::string s = "The quick brown fox jumps over the lazy dog";
  for (size_t cut : {size_t{0}, size_t{1}, size_t{20}, s.size()}) {
    Md5Hasher h;
    h.Update(std::string_view(s).substr(0, cut));
    h.Update(std::string_view(s).substr(cut));
    EXPECT_EQ(HexEncode(h.Finish()), "9e107d9d372bb6826bd81d3542a419d6");
  }
  Md5Hasher empty;
  EXPECT_EQ(HexEncode(empty.Finish()), "d41d8cd98f00b204e9800998ecf8427e");
}

// RFC 4231 test cases 1, 2 and 6 (key longer than a block).
TEST(CryptoTest, HmacSha256Rfc4231) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha256(
                std::string(131, '\xaa'),
                "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(CryptoTest, HmacEmptyKeyAndMessage) {
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(CryptoTest, PreparedKeyMatchesOneShotAndIsReusable) {
  HmacSha256Key key("Jefe");
  unsigned char out[kSha256Size];
  for (int i = 0; i < 3; ++i) {
    key.Mac("what do ya want for nothing?", out);
    EXPECT_EQ(
        HexEncode(std::string_view(reinterpret_cast<char*>(out), 32)),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    key.Mac("other", out);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 32),
              HmacSha256("Jefe", "other"));
  }
  HmacSha256Key moved = std::move(key);
  moved.Mac("other", out);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 32),
            HmacSha256("Jefe", "other"));
}

TEST(CryptoTest, Crc32cCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32cPortable("123456789"), 0xE3069283u);
  if (Crc32cHardwareAvailable()) {
    EXPECT_EQ(Crc32cHardware("123456789"), 0xE3069283u);
  }
  EXPECT_EQ(Crc32c(""), 0u);
  // RFC 3720 B.4: 32 bytes of zeros.
  EXPECT_EQ(Crc32cPortable(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
}

// The hardware path joins three streams over 8 KB and 256-byte blocks:
// every length around those spans, misaligned, continued from a seed, must
// match the table-driven CRC.
TEST(CryptoTest, Crc32cHardwareMatchesPortableAcrossBlockSpans) {
  if (!Crc32cHardwareAvailable()) GTEST_SKIP() << "no SSE4.2";
  std::mt19937 rng(7);
  std::string data(3 * 3 * 8192 + 1000, '\0');
  for (char& ch : data) ch = static_cast<char>(rng());
  std::vector<size_t> lengths;
  for (size_t base : {size_t{0}, size_t{768}, size_t{3 * 8192},
                      size_t{2 * 3 * 8192}, size_t{3 * 8192 + 5 * 768}})
    for (size_t d = 0; d < 20; ++d) lengths.push_back(base + d);
  lengths.push_back(data.size() - 3);
  for (size_t len : lengths) {
    for (size_t offset : {size_t{0}, size_t{1}, size_t{3}}) {
      std::string_view piece(data.data() + offset, len);
      for (uint32_t seed : {0u, 0xE3069283u}) {
        ASSERT_EQ(Crc32cHardware(piece, seed), Crc32cPortable(piece, seed))
            << "length " << len << " offset " << offset << " seed " << seed;
      }
    }
  }
}

TEST(CryptoTest, Crc32cBase64IsBigEndian) {
  EXPECT_EQ(Crc32cBase64(0xE3069283u), "4waSgw==");
  EXPECT_EQ(Crc32cBase64(Crc32c("")), "AAAAAA==");
}

TEST(CryptoTest, Crc32cChainsAcrossBuffers) {
  const std::string s = "The quick brown fox jumps over the lazy dog";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t c = Crc32c(std::string_view(s).substr(0, cut));
    c = Crc32c(std::string_view(s).substr(cut), c);
    EXPECT_EQ(c, Crc32c(s)) << cut;
    uint32_t p = Crc32cPortable(std::string_view(s).substr(0, cut));
    EXPECT_EQ(Crc32cPortable(std::string_view(s).substr(cut), p), Crc32c(s));
  }
}

TEST(CryptoTest, Crc32cHardwareAndPortableAgreeOnRandomBuffers) {
  if (!Crc32cHardwareAvailable()) GTEST_SKIP() << "no SSE4.2";
  std::mt19937 rng(12345);
  std::string buf(70001, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (size_t len : {1, 3, 7, 9, 15, 17, 63, 65, 255, 1023, 4097, 70001}) {
    // Odd offsets too, so unaligned loads are exercised.
    for (size_t off : {0, 1, 3}) {
      if (off + len > buf.size()) continue;
      std::string_view v = std::string_view(buf).substr(off, len);
      uint32_t seed = static_cast<uint32_t>(rng());
      EXPECT_EQ(Crc32cHardware(v), Crc32cPortable(v)) << len << "+" << off;
      EXPECT_EQ(Crc32cHardware(v, seed), Crc32cPortable(v, seed)) << len;
    }
  }
}

TEST(CryptoTest, HexRoundTripAndRejects) {
  EXPECT_EQ(HexEncode(std::string("\x00\x7f\x80\xff", 4)), "007f80ff");
  std::string out;
  EXPECT_TRUE(HexDecode("007F80ff", &out));
  EXPECT_EQ(out, std::string("\x00\x7f\x80\xff", 4));
  EXPECT_FALSE(HexDecode("abc", &out));
  EXPECT_FALSE(HexDecode("zz", &out));
  EXPECT_TRUE(HexDecode("", &out));
  EXPECT_EQ(out, "");
  std::string appended = "x=";
  AppendHex("\x01\xab", &appended);
  EXPECT_EQ(appended, "x=01ab");
}

// RFC 4648 section 10 vectors.
TEST(CryptoTest, Base64Rfc4648) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(Unhex("fbff")), "+/8=");
}

}  // namespace
}  // namespace cfm
