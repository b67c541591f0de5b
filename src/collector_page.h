// Internal to collector*.cc: a fetched, parsed page.
#ifndef CFMIGRATE_COLLECTOR_PAGE_H_
#define CFMIGRATE_COLLECTOR_PAGE_H_

#include <nlohmann/json.hpp>
#include <string>

#include "collector.h"

namespace cfm {

struct Collector::Page {
  std::string url;  // without the auth parameter
  nlohmann::json body;
  std::string link_header;
};

// True for errors no retry can fix (token refused, other 4xx).
bool IsFatal(const Status& status);

}  // namespace cfm

#endif  // CFMIGRATE_COLLECTOR_PAGE_H_
