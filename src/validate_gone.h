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

// "http 404", "http 410" or "http 403" when `reason` is the one migrate
// writes for that answer of the source ("source http 404", or "http 404" in
// lists written before reasons named their side), else "". Pure.
std::string_view GoneStatus(std::string_view reason);

// True when GoneStatus(reason) is not empty. Pure.
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
