#include "aws_chunked.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cfm {
namespace {

// Encodes `payload` through an output buffer of `out_size` bytes, the
// payload offered `piece` bytes at a time with a dry spell (read → 0)
// between pieces, as a PUT waiting on its GET sees it.
std::string Encode(const std::string& payload, size_t out_size, size_t piece) {
  AwsChunkedEncoder enc(static_cast<int64_t>(payload.size()));
  std::string wire;
  size_t offered = 0, taken = 0;
  std::vector<char> out(out_size);
  for (int rounds = 0; rounds < 1000000; ++rounds) {
    size_t k = enc.Fill(out.data(), out.size(), [&](char* dst, size_t max) {
      size_t n = std::min(max, offered - taken);
      payload.copy(dst, n, taken);
      taken += n;
      return n;
    });
    wire.append(out.data(), k);
    if (k < out.size() && offered == payload.size()) break;  // complete
    if (offered == taken) offered = std::min(payload.size(), offered + piece);
  }
  EXPECT_EQ(enc.payload_left(), 0);
  EXPECT_EQ(enc.crc32c(), Crc32c(payload));
  return wire;
}

// A strict decoder, as S3 reads the encoding: the chunks' payload, and the
// trailer's value; fails the test on anything malformed.
std::string Decode(const std::string& wire, std::string* trailer,
                   std::vector<size_t>* sizes) {
  std::string payload;
  size_t pos = 0;
  for (;;) {
    size_t eol = wire.find("\r\n", pos);
    EXPECT_NE(eol, std::string::npos);
    if (eol == std::string::npos) return payload;
    size_t size = std::stoul(wire.substr(pos, eol - pos), nullptr, 16);
    EXPECT_EQ(wire.substr(pos, eol - pos).find_first_not_of("0123456789abcdef"),
              std::string::npos);
    pos = eol + 2;
    if (size == 0) break;
    sizes->push_back(size);
    payload += wire.substr(pos, size);
    pos += size;
    EXPECT_EQ(wire.substr(pos, 2), "\r\n");
    pos += 2;
  }
  size_t eol = wire.find("\r\n", pos);
  *trailer = wire.substr(pos, eol - pos);
  EXPECT_EQ(wire.substr(eol), "\r\n\r\n");  // the trailer, then the end
  return payload;
}

TEST(AwsChunkedTest, KnownVector) {
  // CRC32C("123456789") = 0xE3069283.
  EXPECT_EQ(Encode("123456789", 1024, 9),
            "9\r\n123456789\r\n0\r\nx-amz-checksum-crc32c:4waSgw==\r\n\r\n");
  EXPECT_EQ(AwsChunkedEncoder::EncodedLength(9), 51);
}

TEST(AwsChunkedTest, EmptyPayloadIsTheLastChunkAndTheTrailer) {
  EXPECT_EQ(Encode("", 1024, 1), "0\r\nx-amz-checksum-crc32c:AAAAAA==\r\n\r\n");
  EXPECT_EQ(AwsChunkedEncoder::EncodedLength(0), 37);
}

TEST(AwsChunkedTest, EverySizeDecodesToItsPayloadAndCrc) {
  const size_t kChunk = AwsChunkedEncoder::kChunkBytes;
  for (size_t size : {size_t{1}, kChunk - 1, kChunk, kChunk + 1,
                      3 * kChunk + 12345, size_t{1} << 20}) {
    std::string payload(size, '\0');
    for (size_t i = 0; i < size; ++i)
      payload[i] = static_cast<char>((i * 131 + 7) % 251);
    // Output buffers and payload pieces that split the framing and the
    // chunks anywhere.
    for (auto [out_size, piece] :
         {std::pair<size_t, size_t>{64 << 10, 64 << 10},
          {7, 1000},
          {100000, 3},
          {16 << 10, 5000}}) {
      if (piece < 100 && size > 100000) continue;  // too slow, no new case
      std::string wire = Encode(payload, out_size, piece);
      EXPECT_EQ(static_cast<int64_t>(wire.size()),
                AwsChunkedEncoder::EncodedLength(static_cast<int64_t>(size)))
          << size;
      std::string trailer;
      std::vector<size_t> sizes;
      EXPECT_EQ(Decode(wire, &trailer, &sizes), payload) << size;
      EXPECT_EQ(trailer,
                "x-amz-checksum-crc32c:" + Crc32cBase64(Crc32c(payload)));
      // Every chunk but the last is 64 KB (S3 wants >= 8 KB).
      for (size_t i = 0; i + 1 < sizes.size(); ++i) EXPECT_EQ(sizes[i], kChunk);
      EXPECT_EQ(sizes.back(), size % kChunk ? size % kChunk : kChunk);
    }
  }
}

TEST(AwsChunkedTest, ADrySourceWritesOnlyTheFramingAndWaits) {
  AwsChunkedEncoder enc(10);
  char out[64];
  auto dry = [](char*, size_t) { return size_t{0}; };
  EXPECT_EQ(enc.Fill(out, sizeof out, dry), 3u);  // "a\r\n"
  EXPECT_EQ(std::string(out, 3), "a\r\n");
  EXPECT_EQ(enc.Fill(out, sizeof out, dry), 0u);
  EXPECT_EQ(enc.payload_left(), 10);
}

}  // namespace
}  // namespace cfm
