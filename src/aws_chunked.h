// The body of a PutObject sent as Content-Encoding: aws-chunked with an
// unsigned CRC32C trailer (x-amz-content-sha256:
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, x-amz-trailer: x-amz-checksum-crc32c):
//
//   <hex size>\r\n<payload bytes>\r\n      chunks of kChunkBytes, the last
//   ...                                    one shorter
//   0\r\n
//   x-amz-checksum-crc32c:<base64>\r\n
//   \r\n
//
// S3 computes the CRC32C of the payload it receives and refuses a mismatch
// (400 BadDigest), so the checksum can follow a body that was never held
// whole. The encoder hashes the payload as it passes.
#ifndef CFMIGRATE_AWS_CHUNKED_H_
#define CFMIGRATE_AWS_CHUNKED_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "crypto.h"

namespace cfm {

class AwsChunkedEncoder {
 public:
  // The AWS SDKs' chunk size; S3 wants every chunk but the last >= 8 KB.
  static constexpr size_t kChunkBytes = 64 << 10;
  static constexpr char kTrailer[] = "x-amz-checksum-crc32c";

  explicit AwsChunkedEncoder(int64_t payload_bytes);

  // Bytes on the wire for `payload_bytes` of payload: the PUT's
  // Content-Length (x-amz-decoded-content-length is `payload_bytes`).
  static int64_t EncodedLength(int64_t payload_bytes);

  // Writes up to `n` bytes of the encoding to `out`: framing, and payload
  // taken through `read(dst, max)`, which copies at most `max` of the next
  // payload bytes to `dst` and returns how many (0: none waiting now).
  // Returns the bytes written: fewer than `n` when the encoding is complete
  // or the payload ran dry.
  template <typename ReadFn>
  size_t Fill(char* out, size_t n, ReadFn&& read) {
    size_t written = 0;
    while (written < n) {
      if (framing_pos_ < framing_.size()) {
        size_t k = std::min(n - written, framing_.size() - framing_pos_);
        std::memcpy(out + written, framing_.data() + framing_pos_, k);
        framing_pos_ += k;
        written += k;
        continue;
      }
      if (chunk_left_ == 0) break;  // the trailer has gone: complete
      size_t k = read(out + written, std::min(n - written, chunk_left_));
      if (k == 0) break;
      crc_ = Crc32c(std::string_view(out + written, k), crc_);
      written += k;
      chunk_left_ -= k;
      payload_left_ -= static_cast<int64_t>(k);
      if (chunk_left_ == 0) QueueFraming(true);
    }
    return written;
  }

  // Payload bytes not yet taken.
  int64_t payload_left() const { return payload_left_; }
  // The CRC32C of the payload taken so far (the trailer's, once it is all).
  uint32_t crc32c() const { return crc_; }

 private:
  // Queues what follows a chunk's payload (or the start): the next chunk's
  // size line, or the last chunk and the trailer.
  void QueueFraming(bool after_chunk);

  int64_t payload_left_;
  size_t chunk_left_ = 0;  // payload bytes of the current chunk to go
  std::string framing_;    // framing queued, written from framing_pos_
  size_t framing_pos_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_AWS_CHUNKED_H_
