// Internal to collector*.cc: a fetched, parsed page.
#ifndef CFMIGRATE_COLLECTOR_PAGE_H_
#define CFMIGRATE_COLLECTOR_PAGE_H_

#include <nlohmann/json.hpp>
#include <string>

#include "collector.h"

namespace cfm {

// The implicit noexcept move runs nlohmann::json's invariant check, which
// tidy cannot prove never throws.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct Collector::Page {
  std::string url;  // without the auth parameter
  nlohmann::json body;
  std::string link_header;
};

// True for the HTTP statuses worth retrying: 408, 429 and 5xx.
bool IsTransientHttp(long code);

}  // namespace cfm

#endif  // CFMIGRATE_COLLECTOR_PAGE_H_
