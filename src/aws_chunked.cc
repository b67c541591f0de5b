#include "aws_chunked.h"

#include <cstdio>

namespace cfm {

namespace {

constexpr char kCrlf[] = "\r\n";

std::string Hex(uint64_t v) {
  char buf[17];
  int n = std::snprintf(buf, sizeof buf, "%llx",
                        static_cast<unsigned long long>(v));
  return std::string(buf, static_cast<size_t>(n));
}

// "<hex size>\r\n" + payload + "\r\n"
int64_t ChunkBytes(uint64_t payload) {
  return static_cast<int64_t>(Hex(payload).size() + 2 + payload + 2);
}

}  // namespace

AwsChunkedEncoder::AwsChunkedEncoder(int64_t payload_bytes)
    : payload_left_(payload_bytes) {
  QueueFraming(false);
}

int64_t AwsChunkedEncoder::EncodedLength(int64_t payload_bytes) {
  uint64_t payload = static_cast<uint64_t>(payload_bytes);
  int64_t length =
      static_cast<int64_t>(payload / kChunkBytes) * ChunkBytes(kChunkBytes);
  if (payload % kChunkBytes) length += ChunkBytes(payload % kChunkBytes);
  // "0\r\n" + trailer ":" base64 of 4 bytes "\r\n" + "\r\n"
  return length + 3 + static_cast<int64_t>(sizeof kTrailer - 1) + 1 + 8 + 2 + 2;
}

void AwsChunkedEncoder::QueueFraming(bool after_chunk) {
  framing_.clear();
  framing_pos_ = 0;
  if (after_chunk) framing_ += kCrlf;
  if (payload_left_ > 0) {
    chunk_left_ = static_cast<size_t>(
        std::min<int64_t>(payload_left_, static_cast<int64_t>(kChunkBytes)));
    framing_ += Hex(chunk_left_);
    framing_ += kCrlf;
    return;
  }
  framing_ += "0\r\n";
  framing_ += kTrailer;
  framing_ += ':';
  framing_ += Crc32cBase64(crc_);
  framing_ += "\r\n\r\n";
}

}  // namespace cfm
