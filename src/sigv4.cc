#include "sigv4.h"

#include <algorithm>
#include <optional>
#include <vector>

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

// ASCII whitespace: ' ' and \t \n \v \f \r. One compare for most bytes.
bool IsSpace(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= ' ' && (u == ' ' || (u >= '\t' && u <= '\r'));
}

// Trimall: strip leading/trailing whitespace, collapse inner runs to one ' '.
// Appends whole runs at once: a 1 KB session token is one append.
void AppendTrimmed(std::string_view v, std::string* out) {
  size_t begin = 0, end = v.size();
  while (begin < end && IsSpace(v[begin])) ++begin;
  while (end > begin && IsSpace(v[end - 1])) --end;
  while (begin < end) {
    size_t stop = begin;
    while (stop < end && !IsSpace(v[stop])) ++stop;
    out->append(v.data() + begin, stop - begin);
    if (stop == end) break;
    out->push_back(' ');
    while (IsSpace(v[stop])) ++stop;  // v[end - 1] is not a space
    begin = stop;
  }
}

bool IsSignerHeader(std::string_view lower_name) {
  return lower_name == "host" || lower_name == "authorization" ||
         lower_name == "x-amz-date" || lower_name == "x-amz-content-sha256" ||
         lower_name == "x-amz-security-token";
}

struct HeaderRef {
  std::string_view name;   // lower-case
  std::string_view value;  // untrimmed
};

// The headers to sign, sorted by lower-cased name: views into `request`, the
// signer's own values and `*names`, which receives the lower-cased names.
// A request has a handful of headers, so an insertion sort (stable: repeated
// names keep the caller's order) beats std::stable_sort and needs no buffer.
std::vector<HeaderRef> SortedHeaders(const SigV4Request& request,
                                     std::string_view amz_date,
                                     std::string_view session_token,
                                     std::string* names) {
  size_t total = 0;
  for (const auto& h : request.headers) total += h.first.size();
  names->reserve(total);  // no reallocation below: views stay valid
  std::vector<HeaderRef> refs;
  refs.reserve(request.headers.size() + 4);
  for (const auto& [name, value] : request.headers) {
    const size_t pos = names->size();
    for (char c : name) {
      names->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    }
    std::string_view lower(names->data() + pos, name.size());
    if (!IsSignerHeader(lower)) refs.push_back({lower, value});
  }
  refs.push_back({"host", request.host});
  refs.push_back({"x-amz-content-sha256", request.payload_hash});
  refs.push_back({"x-amz-date", amz_date});
  if (!session_token.empty()) {
    refs.push_back({"x-amz-security-token", session_token});
  }
  for (size_t i = 1; i < refs.size(); ++i) {
    HeaderRef h = refs[i];
    size_t j = i;
    for (; j > 0 && h.name < refs[j - 1].name; --j) refs[j] = refs[j - 1];
    refs[j] = h;
  }
  return refs;
}

// Appends "name:value\n" lines (repeated names joined with ',') to `*cr`
// and the ';'-joined names to `*signed_headers`.
void AppendCanonicalHeaders(const std::vector<HeaderRef>& refs, std::string* cr,
                            std::string* signed_headers) {
  for (size_t i = 0; i < refs.size(); ++i) {
    if (i > 0 && refs[i].name == refs[i - 1].name) {
      cr->back() = ',';  // replaces the previous line's '\n'
    } else {
      if (i > 0) signed_headers->push_back(';');
      signed_headers->append(refs[i].name);
      cr->append(refs[i].name);
      cr->push_back(':');
    }
    AppendTrimmed(refs[i].value, cr);
    cr->push_back('\n');
  }
}

void PutDigits(int value, int width, char* out) {
  for (int i = width - 1; i >= 0; --i, value /= 10) {
    out[i] = static_cast<char>('0' + value % 10);
  }
}

// "YYYYMMDDTHHMMSSZ" for `now` in UTC.
std::string AmzDate(std::time_t now) {
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::string out = "00000000T000000Z";
  PutDigits(tm.tm_year + 1900, 4, &out[0]);
  PutDigits(tm.tm_mon + 1, 2, &out[4]);
  PutDigits(tm.tm_mday, 2, &out[6]);
  PutDigits(tm.tm_hour, 2, &out[9]);
  PutDigits(tm.tm_min, 2, &out[11]);
  PutDigits(tm.tm_sec, 2, &out[13]);
  return out;
}

std::string BuildCanonicalRequest(const SigV4Request& request,
                                  const std::vector<HeaderRef>& headers,
                                  std::string* signed_headers) {
  size_t size = 128 + request.method.size() + request.path.size();
  for (const auto& h : headers) size += h.name.size() + h.value.size() + 2;
  std::string cr;
  cr.reserve(size);
  cr += request.method;
  cr += '\n';
  cr += request.path.empty() ? "/" : request.path;
  cr += '\n';
  if (!request.query.empty()) cr += CanonicalQueryString(request.query);
  cr += '\n';
  signed_headers->reserve(16 * headers.size());
  AppendCanonicalHeaders(headers, &cr, signed_headers);
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

// "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=..., Signature=..."
// with botocore's ", " separators (S3 accepts "," too).
std::string Authorization(std::string_view access_key_id,
                          std::string_view scope,
                          std::string_view signed_headers,
                          std::string_view signature) {
  std::string auth;
  auth.reserve(64 + access_key_id.size() + scope.size() +
               signed_headers.size() + signature.size());
  auth.append(kAlgorithm).append(" Credential=").append(access_key_id);
  auth.append(1, '/').append(scope).append(", SignedHeaders=");
  auth.append(signed_headers).append(", Signature=").append(signature);
  return auth;
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
  std::string names;
  const std::vector<HeaderRef> headers =
      SortedHeaders(request, amz_date, creds.session_token, &names);
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

  result.headers.reserve(4);
  result.headers.emplace_back("x-amz-date", amz_date);
  result.headers.emplace_back("x-amz-content-sha256", request.payload_hash);
  if (!creds.session_token.empty()) {
    result.headers.emplace_back("x-amz-security-token", creds.session_token);
  }
  result.headers.emplace_back(
      "Authorization", Authorization(creds.access_key_id, scope, signed_headers,
                                     result.signature));
  return result;
}

}  // namespace cfm
