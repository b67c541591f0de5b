// Whether a source's 200 answer is the image it was asked for: pure checks
// on its headers, shared by the transfer loops (whole GETs and the Range GETs
// of multipart copies), and the wording of failures on the source's side. No
// I/O; any thread.
#ifndef CFMIGRATE_SOURCE_ANSWER_H_
#define CFMIGRATE_SOURCE_ANSWER_H_

#include <string>
#include <string_view>
#include <vector>

namespace cfm {

// Splits a REJECT_CONTENT_TYPES value ("text/html, application/*") into
// lower-case patterns, blanks dropped. "" gives an empty list (no check).
std::vector<std::string> ParseMediaTypeList(std::string_view list);

// Whether `content_type` (a Content-Type value, parameters such as
// "; charset=utf-8" ignored, any case) matches `pattern`: an exact media
// type ("text/html"), a whole top-level type ("text/*") or "*/*". An empty
// content type matches nothing.
bool MediaTypeMatches(std::string_view content_type, std::string_view pattern);

// The reason a 200 answer must not be stored, or "" when it may be:
//   "source sent Content-Encoding: gzip"  any encoding other than identity
//                                         (migrate asks for identity; the
//                                         bytes would not be the image)
//   "source answered text/html"           a Content-Type that matches one of
//                                         `reject_types` (an error page)
// Neither is retried: the same source answers the same way.
std::string RejectSourceAnswer(std::string_view content_encoding,
                               std::string_view content_type,
                               const std::vector<std::string>& reject_types);

// Whether `reason` came from RejectSourceAnswer.
bool IsRejectedAnswer(std::string_view reason);

// How many redirects a source GET may follow, for every size of object.
constexpr long kMaxSourceRedirects = 5;

}  // namespace cfm

#endif  // CFMIGRATE_SOURCE_ANSWER_H_
