// Gone at the source: the URLs whose last migrate attempt ended in a 404,
// 410 or 403 from the source (CloudFront answers 403 for a missing S3 key).
// Re-running migrate cannot copy them, so validate lists them in gone.txt
// (URL TAB reason) instead of missing.txt.
#ifndef CFMIGRATE_VALIDATE_GONE_H_
#define CFMIGRATE_VALIDATE_GONE_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "status.h"

namespace cfm {

// URL -> the reason of its last failed attempt ("http 404").
using GoneUrls = std::unordered_map<std::string, std::string>;

// True for "http 404", "http 410" and "http 403" (the reasons migrate
// writes for those answers, never retried). Pure.
bool IsGoneReason(std::string_view reason);

// Reads failure lists ("URL\treason" lines, as migrate writes
// failed_transfers.txt), oldest first, so that a later list overrides an
// earlier one: a URL ends up in `gone` when the last list naming it gives a
// gone reason, and is removed when a later list gives another reason.
// Missing lists are skipped. Fails with kIOError naming an unreadable list.
Status LoadGoneUrls(const std::vector<std::string>& lists_oldest_first,
                    GoneUrls* gone);

}  // namespace cfm

#endif  // CFMIGRATE_VALIDATE_GONE_H_
