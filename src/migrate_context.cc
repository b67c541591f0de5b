#include "migrate_context.h"

#include <chrono>

#include "crypto.h"

namespace cfm {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string PlainMd5FromEtag(std::string_view etag) {
  if (etag.size() == 34 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, 32);
  if (etag.size() != 32) return "";
  std::string hex;
  for (char c : etag) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return hex;
}

Result<Integrity> ComputeIntegrity(ChecksumMode mode, const std::string& etag,
                                   std::string_view body) {
  Integrity out;
  std::string source_md5 = PlainMd5FromEtag(etag);
  if (mode == ChecksumMode::kNone) return out;
  if (mode == ChecksumMode::kAuto && !source_md5.empty()) {
    std::string raw;
    if (!HexDecode(source_md5, &raw)) return Status::Corruption("bad ETag");
    out.content_md5 = Base64Encode(raw);
    out.record = "md5:" + source_md5;
    return out;
  }
  if (mode == ChecksumMode::kMd5) {
    std::string raw = Md5(body);
    std::string hex = HexEncode(raw);
    if (!source_md5.empty() && hex != source_md5)
      return Status::Corruption("checksum mismatch: body MD5 " + hex +
                                " differs from source ETag " + source_md5);
    out.content_md5 = Base64Encode(raw);
    out.record = "md5:" + hex;
    return out;
  }
  out.checksum_crc32c = Crc32cBase64(Crc32c(body));
  out.record = "crc32c:" + out.checksum_crc32c;
  return out;
}

}  // namespace cfm
