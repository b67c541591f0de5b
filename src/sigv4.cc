#include "sigv4.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "crypto.h"

namespace cfm {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

void AppendUriEncoded(std::string_view s, bool keep_slash, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out->push_back(static_cast<char>(c));
    } else {
      const char enc[3] = {'%', kHex[c >> 4], kHex[c & 0xF]};
      out->append(enc, 3);
    }
  }
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

// Trimall: strip leading/trailing whitespace, collapse inner runs to one ' '.
void AppendTrimmed(std::string_view v, std::string* out) {
  bool pending_space = false;
  bool any = false;
  for (char c : v) {
    if (IsSpace(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out->push_back(' ');
    pending_space = false;
    any = true;
    out->push_back(c);
  }
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsSignerHeader(std::string_view lower_name) {
  return lower_name == "host" || lower_name == "authorization" ||
         lower_name == "x-amz-date" || lower_name == "x-amz-content-sha256" ||
         lower_name == "x-amz-security-token";
}

// Lower-cased, trimmed, sorted by name and merged headers, with the signer's
// own headers added.
HeaderList CanonicalHeaders(const SigV4Request& request,
                            std::string_view amz_date,
                            std::string_view session_token) {
  HeaderList out;
  out.reserve(request.headers.size() + 4);
  for (const auto& [name, value] : request.headers) {
    std::string lower = ToLower(name);
    if (IsSignerHeader(lower)) continue;
    std::string trimmed;
    AppendTrimmed(value, &trimmed);
    out.emplace_back(std::move(lower), std::move(trimmed));
  }
  out.emplace_back("host", request.host);
  out.emplace_back("x-amz-content-sha256", request.payload_hash);
  out.emplace_back("x-amz-date", std::string(amz_date));
  if (!session_token.empty()) {
    out.emplace_back("x-amz-security-token", std::string(session_token));
  }
  // Stable, so repeated names keep the caller's order when joined.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.first < b.first;
  });
  size_t w = 0;
  for (size_t r = 0; r < out.size(); ++r) {
    if (w > 0 && out[w - 1].first == out[r].first) {
      out[w - 1].second += ',';
      out[w - 1].second += out[r].second;
    } else if (w != r) {
      out[w++] = std::move(out[r]);
    } else {
      ++w;
    }
  }
  out.resize(w);
  return out;
}

// "YYYYMMDDTHHMMSSZ" for `now` in UTC.
std::string AmzDate(std::time_t now) {
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02dT%02d%02d%02dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buf;
}

std::string BuildCanonicalRequest(const SigV4Request& request,
                                  const HeaderList& headers,
                                  std::string* signed_headers) {
  std::string cr;
  cr.reserve(256 + request.path.size() + 64 * headers.size());
  cr += request.method;
  cr += '\n';
  cr += request.path.empty() ? "/" : request.path;
  cr += '\n';
  cr += CanonicalQueryString(request.query);
  cr += '\n';
  for (const auto& [name, value] : headers) {
    cr += name;
    cr += ':';
    cr += value;
    cr += '\n';
    if (!signed_headers->empty()) *signed_headers += ';';
    *signed_headers += name;
  }
  cr += '\n';
  cr += *signed_headers;
  cr += '\n';
  cr += request.payload_hash;
  return cr;
}

// The signing key for one (secret, date, region, service), set up for
// repeated MACs. Kept per thread: deriving costs four HMACs with fresh keys.
struct CachedKey {
  std::string secret, date, region, service;
  std::optional<HmacSha256Key> key;
};

HmacSha256Key& SigningKeyFor(std::string_view secret, std::string_view date,
                             std::string_view region,
                             std::string_view service) {
  thread_local CachedKey cache;
  if (!cache.key || cache.date != date || cache.secret != secret ||
      cache.region != region || cache.service != service) {
    cache.key.emplace(DeriveSigningKey(secret, date, region, service));
    cache.secret = secret;
    cache.date = date;
    cache.region = region;
    cache.service = service;
  }
  return *cache.key;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  AppendUriEncoded(s, keep_slash, &out);
  return out;
}

std::string CanonicalQueryString(const HeaderList& query) {
  if (query.empty()) return std::string();
  HeaderList encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region,
                             std::string_view service) {
  std::string k = "AWS4";
  k += secret;
  k = HmacSha256(k, date);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  return HmacSha256(k, kTerminator);
}

SigV4Result SignV4(const SigV4Request& request, const AwsCredentials& creds,
                   std::string_view region, std::string_view service,
                   std::time_t now) {
  SigV4Result result;
  const std::string amz_date = AmzDate(now);
  const std::string_view date = std::string_view(amz_date).substr(0, 8);
  const HeaderList headers =
      CanonicalHeaders(request, amz_date, creds.session_token);
  std::string signed_headers;
  result.canonical_request =
      BuildCanonicalRequest(request, headers, &signed_headers);

  std::string scope;
  scope.reserve(date.size() + region.size() + service.size() + 16);
  scope.append(date).append(1, '/').append(region).append(1, '/');
  scope.append(service).append(1, '/').append(kTerminator);

  std::string& sts = result.string_to_sign;
  sts.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 70);
  sts.append(kAlgorithm).append(1, '\n').append(amz_date).append(1, '\n');
  sts.append(scope).append(1, '\n');
  AppendHex(Sha256(result.canonical_request), &sts);

  unsigned char mac[kSha256Size];
  SigningKeyFor(creds.secret_access_key, date, region, service).Mac(sts, mac);
  AppendHex(std::string_view(reinterpret_cast<char*>(mac), sizeof(mac)),
            &result.signature);

  std::string auth;
  auth.reserve(160 + creds.access_key_id.size() + signed_headers.size());
  auth.append(kAlgorithm).append(" Credential=").append(creds.access_key_id);
  auth.append(1, '/').append(scope).append(", SignedHeaders=");
  auth.append(signed_headers).append(", Signature=").append(result.signature);

  result.headers.reserve(4);
  result.headers.emplace_back("x-amz-date", amz_date);
  result.headers.emplace_back("x-amz-content-sha256", request.payload_hash);
  if (!creds.session_token.empty()) {
    result.headers.emplace_back("x-amz-security-token", creds.session_token);
  }
  result.headers.emplace_back("Authorization", std::move(auth));
  return result;
}

}  // namespace cfm
