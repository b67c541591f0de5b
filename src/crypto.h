// Digests, MACs and encodings used by signing and integrity checks.
// Pure functions over OpenSSL; safe to call from any thread.
#ifndef CFMIGRATE_CRYPTO_H_
#define CFMIGRATE_CRYPTO_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace cfm {

// Raw 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);
// Lower-case hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256(key, data).
std::string HmacSha256(std::string_view key, std::string_view data);
// Raw 16-byte MD5 digest of `data`.
std::string Md5(std::string_view data);

// CRC32C (Castagnoli). Pass the previous return value as `crc` to continue a
// running checksum over several buffers; start with 0.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);
// Base64 of the big-endian 4 bytes of `crc`, as S3's x-amz-checksum-crc32c.
std::string Crc32cBase64(uint32_t crc);

std::string HexEncode(std::string_view bytes);  // lower-case
// Returns false when `hex` has odd length or a non-hex character.
bool HexDecode(std::string_view hex, std::string* out);
std::string Base64Encode(std::string_view bytes);

}  // namespace cfm

#endif  // CFMIGRATE_CRYPTO_H_
