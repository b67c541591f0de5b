#include "crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace cfm {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "cfmigrate: OpenSSL failure in %s\n", what);
  std::abort();
}

// Algorithms are fetched once: an implicit fetch on every call costs more
// than hashing a short string.
const EVP_MD* FetchMd(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) Die(name);
  return md;  // lives for the whole process
}

const EVP_MD* Sha256Md() {
  static const EVP_MD* md = FetchMd("SHA256");
  return md;
}

const EVP_MD* Md5Md() {
  static const EVP_MD* md = FetchMd("MD5");
  return md;
}

EVP_MAC* HmacMac() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) Die("EVP_MAC_fetch(HMAC)");
    return m;
  }();
  return mac;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// One digest context per thread, re-initialised for every digest.
EVP_MD_CTX* ThreadMdCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) Die("EVP_MD_CTX_new");
  return ctx.get();
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  EVP_MD_CTX* ctx = ThreadMdCtx();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out, &len) != 1) {
    Die("EVP_Digest");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

// A fresh HMAC context bound to SHA-256 but to no key yet.
EVP_MAC_CTX* NewHmacSha256Ctx() {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(HmacMac());
  if (ctx == nullptr) Die("EVP_MAC_CTX_new");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(ctx, params) != 1) Die("EVP_MAC_CTX_set_params");
  return ctx;
}

// A null key means "reuse the previous key" to OpenSSL, so an empty key
// must still be a non-null pointer.
const unsigned char* KeyBytes(std::string_view key) {
  static const unsigned char kEmpty = 0;
  return key.empty() ? &kEmpty
                     : reinterpret_cast<const unsigned char*>(key.data());
}

void MacWith(EVP_MAC_CTX* ctx, const unsigned char* key, size_t key_len,
             std::string_view data, unsigned char out[kSha256Size]) {
  size_t len = 0;
  if (EVP_MAC_init(ctx, key, key_len, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(ctx, out, &len, kSha256Size) != 1 || len != kSha256Size) {
    Die("EVP_MAC");
  }
}

}  // namespace

std::string Sha256(std::string_view data) { return Digest(Sha256Md(), data); }

std::string Sha256Hex(std::string_view data) {
  return HexEncode(Digest(Sha256Md(), data));
}

std::string Md5(std::string_view data) { return Digest(Md5Md(), data); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  struct CtxDeleter {
    void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
  };
  thread_local std::unique_ptr<EVP_MAC_CTX, CtxDeleter> ctx(NewHmacSha256Ctx());
  unsigned char out[kSha256Size];
  MacWith(ctx.get(), KeyBytes(key), key.size(), data, out);
  return std::string(reinterpret_cast<char*>(out), kSha256Size);
}

HmacSha256Key::HmacSha256Key(std::string_view key) : ctx_(NewHmacSha256Ctx()) {
  if (EVP_MAC_init(ctx_, KeyBytes(key), key.size(), nullptr) != 1) {
    Die("EVP_MAC_init");
  }
}

HmacSha256Key::~HmacSha256Key() { EVP_MAC_CTX_free(ctx_); }

HmacSha256Key::HmacSha256Key(HmacSha256Key&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)) {}

HmacSha256Key& HmacSha256Key::operator=(HmacSha256Key&& other) noexcept {
  if (this != &other) {
    EVP_MAC_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

void HmacSha256Key::Mac(std::string_view data, unsigned char out[kSha256Size]) {
  // A null key makes OpenSSL restart from the pads it already hashed.
  MacWith(ctx_, nullptr, 0, data, out);
}

// ---- CRC32C ---------------------------------------------------------------

namespace {

constexpr uint32_t kCrc32cPoly = 0x82F63B78;  // reflected Castagnoli

using Crc32cTables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Crc32cTables MakeCrc32cTables() {
  Crc32cTables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? kCrc32cPoly : 0);
    t[0][i] = c;
  }
  for (int s = 1; s < 8; ++s) {
    for (uint32_t i = 0; i < 256; ++i) {
      t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
  return t;
}

constexpr Crc32cTables kCrc32cTables = MakeCrc32cTables();

uint64_t LoadLe64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

}  // namespace

uint32_t Crc32cPortable(std::string_view data, uint32_t crc) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  const auto& t = kCrc32cTables;
  uint32_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v = LoadLe64(p) ^ c;
    c = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^
        t[4][(v >> 24) & 0xFF] ^ t[3][(v >> 32) & 0xFF] ^
        t[2][(v >> 40) & 0xFF] ^ t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
  }
  for (; n > 0; --n, ++p) c = (c >> 8) ^ t[0][(c ^ *p) & 0xFF];
  return ~c;
}

#if defined(__x86_64__)

namespace {

// The crc32 instruction takes 3 cycles but can start every cycle, so three
// independent streams over adjacent blocks run about 3x as fast as one.
// Their registers are joined by appending zero bytes to the earlier ones,
// which is linear in the register's 32 bits: Crc32cZeros tabulates that
// operator for one block length, a byte of the register at a time.
class Crc32cZeros {
 public:
  __attribute__((target("sse4.2"))) explicit Crc32cZeros(size_t bytes) {
    uint32_t bit[32];
    for (int i = 0; i < 32; ++i) {
      uint64_t c = uint32_t{1} << i;
      for (size_t k = 0; k < bytes / 8; ++k) c = _mm_crc32_u64(c, 0);
      bit[i] = static_cast<uint32_t>(c);
    }
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t v = 0;
        for (int j = 0; j < 8; ++j)
          if ((b >> j) & 1) v ^= bit[8 * k + j];
        t_[k][b] = v;
      }
    }
  }
  // The register `c` after `bytes` zero bytes.
  uint32_t Apply(uint64_t c) const {
    return t_[0][c & 0xFF] ^ t_[1][(c >> 8) & 0xFF] ^ t_[2][(c >> 16) & 0xFF] ^
           t_[3][(c >> 24) & 0xFF];
  }

 private:
  uint32_t t_[4][256];
};

// Runs the register `*c` over as many 3 * kBlock-byte spans of `*p` as
// `*n` holds, three streams at a time.
template <size_t kBlock>
__attribute__((target("sse4.2"))) void Crc32cThreeWay(const unsigned char** p,
                                                      size_t* n, uint64_t* c) {
  static const Crc32cZeros zeros(kBlock);
  const unsigned char* q = *p;
  for (; *n >= 3 * kBlock; *n -= 3 * kBlock, q += 3 * kBlock) {
    uint64_t a = *c, b = 0, d = 0;
    for (size_t i = 0; i < kBlock; i += 8) {
      a = _mm_crc32_u64(a, LoadLe64(q + i));
      b = _mm_crc32_u64(b, LoadLe64(q + kBlock + i));
      d = _mm_crc32_u64(d, LoadLe64(q + 2 * kBlock + i));
    }
    *c = zeros.Apply(zeros.Apply(a) ^ b) ^ d;
  }
  *p = q;
}

}  // namespace

__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(std::string_view data,
                                                          uint32_t crc) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  uint64_t c = ~crc;
  Crc32cThreeWay<8192>(&p, &n, &c);
  Crc32cThreeWay<256>(&p, &n, &c);
  for (; n >= 8; n -= 8, p += 8) c = _mm_crc32_u64(c, LoadLe64(p));
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}

bool Crc32cHardwareAvailable() {
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return available;
}

#else

uint32_t Crc32cHardware(std::string_view data, uint32_t crc) {
  return Crc32cPortable(data, crc);
}

bool Crc32cHardwareAvailable() { return false; }

#endif

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  return Crc32cHardwareAvailable() ? Crc32cHardware(data, crc)
                                   : Crc32cPortable(data, crc);
}

std::string Crc32cBase64(uint32_t crc) {
  const char be[4] = {static_cast<char>(crc >> 24),
                      static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
                      static_cast<char>(crc)};
  return Base64Encode(std::string_view(be, 4));
}

// ---- Encodings ------------------------------------------------------------

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  size_t pos = out->size();
  out->resize(pos + 2 * bytes.size());
  char* dst = out->data() + pos;
  for (unsigned char b : bytes) {
    *dst++ = kDigits[b >> 4];
    *dst++ = kDigits[b & 0xF];
  }
}

std::string HexEncode(std::string_view bytes) {
  std::string out;
  AppendHex(bytes, &out);
  return out;
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexDigitValue(hex[i]);
    int lo = HexDigitValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  for (; n >= 3; n -= 3, p += 3) {
    uint32_t v = uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (n > 0) {
    uint32_t v = uint32_t{p[0]} << 16 | (n == 2 ? uint32_t{p[1]} << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += n == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Md5Hasher::Md5Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex2(ctx_, Md5Md(), nullptr) != 1) {
    Die("Md5Hasher");
  }
}

Md5Hasher::~Md5Hasher() { EVP_MD_CTX_free(ctx_); }

void Md5Hasher::Update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
    Die("EVP_DigestUpdate(MD5)");
  }
}

std::string Md5Hasher::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, out, &len) != 1) Die("EVP_DigestFinal_ex(MD5)");
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace cfm
