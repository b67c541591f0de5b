// Making URLs as APIs and lists really write them legal to request.
#ifndef CFMIGRATE_URL_ESCAPE_H_
#define CFMIGRATE_URL_ESCAPE_H_

#include <string>
#include <string_view>

namespace cfm {

// Returns `url` with every byte that a URL (and so an HTTP request line)
// cannot carry percent-encoded: space, control characters, DEL, bytes of
// 0x80 and above (raw UTF-8), and the characters `"<>\^`{|}`. Existing
// escapes (`%` followed by two hex digits) are kept as they are; a `%` that
// does not start one becomes `%25`. A NUL byte is left in place, so callers
// that must refuse it still can. Idempotent: NormalizeUrl(NormalizeUrl(u))
// == NormalizeUrl(u). Pure.
std::string NormalizeUrl(std::string_view url);

// Percent-encodes every byte of `s` except the RFC 3986 unreserved ones
// (letters, digits, "-._~"), for a query parameter's name or value; hex
// digits upper-case, or lower-case with `lower`. Pure.
std::string PercentEncodeComponent(std::string_view s, bool lower = false);

// True when NormalizeUrl(url) would change nothing. Pure.
bool IsNormalUrl(std::string_view url);

}  // namespace cfm

#endif  // CFMIGRATE_URL_ESCAPE_H_
