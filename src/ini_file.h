// A parser for the INI dialect of the AWS shared credentials and config
// files (~/.aws/credentials, ~/.aws/config). Pure: takes the file's text.
#ifndef CFMIGRATE_INI_FILE_H_
#define CFMIGRATE_INI_FILE_H_

#include <map>
#include <string>
#include <string_view>

namespace cfm {

// Section name → (key → value). Keys are lower-cased; section names are
// kept as written with surrounding and inner runs of blanks collapsed, so
// "[ profile  dev ]" becomes "profile dev".
using IniSections = std::map<std::string, std::map<std::string, std::string>>;

// Parses `text` the way the AWS SDKs read their shared files:
// - lines starting with '#' or ';' (after blanks) are comments, and so is
//   the rest of a value from a '#' or ';' preceded by a blank;
// - "key = value" with blanks around both trimmed; one pair of matching
//   surrounding quotes ("..." or '...') is removed from the value;
// - a line indented deeper than the key before it continues that key
// (sub-properties such as
//   "s3 =\n  max_concurrent_requests = 20"), joined with '\n';
// - a later duplicate key or section overrides/merges into the earlier one;
// - lines before the first section and lines that are neither a section,
//   a key nor a continuation are ignored (the SDKs warn and skip too).
// Never fails; a UTF-8 BOM and CRLF line endings are accepted.
IniSections ParseIni(std::string_view text);

}  // namespace cfm

#endif  // CFMIGRATE_INI_FILE_H_
