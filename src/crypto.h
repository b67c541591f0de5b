// Digests, MACs and encodings used by signing and integrity checks.
// Digests and MACs use OpenSSL 3 EVP (algorithms fetched once per process,
// contexts reused per thread). All free functions are safe to call from any
// thread; they cannot fail short of OpenSSL being unusable, in which case
// they abort (a missing SHA-256 is not a recoverable condition).
#ifndef CFMIGRATE_CRYPTO_H_
#define CFMIGRATE_CRYPTO_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// OpenSSL's EVP_MAC_CTX and EVP_MD_CTX, kept out of this header.
struct evp_mac_ctx_st;
struct evp_md_ctx_st;

namespace cfm {

inline constexpr size_t kSha256Size = 32;
inline constexpr size_t kMd5Size = 16;

// Raw 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);
// Lower-case hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256(key, data).
std::string HmacSha256(std::string_view key, std::string_view data);
// Raw 16-byte MD5 digest of `data`.
std::string Md5(std::string_view data);

// An HMAC-SHA256 key set up once (inner and outer pads hashed) so that each
// further MAC costs only the message blocks. Used by SigV4 with the derived
// signing key. Not thread-safe: use one instance per thread. Movable, not
// copyable.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::string_view key);
  ~HmacSha256Key();
  HmacSha256Key(HmacSha256Key&& other) noexcept;
  HmacSha256Key& operator=(HmacSha256Key&& other) noexcept;
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  // Writes the raw 32-byte HMAC-SHA256(key, data) to `out`. Must not be
  // called on a moved-from instance.
  void Mac(std::string_view data, unsigned char out[kSha256Size]);

 private:
  evp_mac_ctx_st* ctx_;  // owned
};

// MD5 over data that arrives in pieces (multipart copies). Not thread-safe.
class Md5Hasher {
 public:
  Md5Hasher();
  ~Md5Hasher();
  Md5Hasher(const Md5Hasher&) = delete;
  Md5Hasher& operator=(const Md5Hasher&) = delete;
  // Adds `data` to the digest.
  void Update(std::string_view data);
  // The raw 16-byte digest of everything passed to Update; call once.
  std::string Finish();

 private:
  evp_md_ctx_st* ctx_;  // owned
};

// CRC32C (Castagnoli). Pass the previous return value as `crc` to continue a
// running checksum over several buffers; start with 0. Uses the SSE4.2 crc32
// instruction when the CPU has it (checked once at run time), else a
// table-driven slice-by-8 loop; both give identical results.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);
// Base64 of the big-endian 4 bytes of `crc`, as S3's x-amz-checksum-crc32c.
std::string Crc32cBase64(uint32_t crc);

// The two CRC32C implementations behind Crc32c(), for tests and benchmarks.
// Crc32cHardware() must only be called when Crc32cHardwareAvailable().
uint32_t Crc32cPortable(std::string_view data, uint32_t crc = 0);
uint32_t Crc32cHardware(std::string_view data, uint32_t crc = 0);
bool Crc32cHardwareAvailable();

std::string HexEncode(std::string_view bytes);  // lower-case
// Appends the lower-case hex of `bytes` to `*out`.
void AppendHex(std::string_view bytes, std::string* out);
// The value of one hex digit (either case), or -1 for any other character.
int HexDigitValue(char c);
// Returns false when `hex` has odd length or a non-hex character; `*out` is
// then unspecified. Accepts upper- and lower-case digits.
bool HexDecode(std::string_view hex, std::string* out);
// Standard base64 (RFC 4648 alphabet, '=' padding), as S3 headers use.
std::string Base64Encode(std::string_view bytes);

}  // namespace cfm

#endif  // CFMIGRATE_CRYPTO_H_
