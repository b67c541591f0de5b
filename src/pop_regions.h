// detect-region's knowledge: CloudFront edge codes (the first three letters
// of x-amz-cf-pop, e.g. "SEA" in "SEA19-C1") with their cities and
// coordinates, AWS Regions with theirs, and the choice of a region for an
// edge: a hand table for common metros first, else the nearest Region by
// great-circle distance. Heuristic by nature (AWS publishes no mapping).
// Pure; safe from any thread.
#ifndef CFMIGRATE_POP_REGIONS_H_
#define CFMIGRATE_POP_REGIONS_H_

#include <string>
#include <string_view>

namespace cfm {

constexpr const char* kFallbackRegion = "us-west-2";

struct EdgeLocation {
  const char* code;  // IATA-style, upper case
  const char* city;
  const char* country;  // ISO 3166 alpha-2
  double lat;
  double lon;
};

struct AwsRegion {
  const char* name;  // "us-west-2"
  const char* city;
  double lat;
  double lon;
  bool opt_in;  // disabled in accounts until enabled (regions since 2019)
};

// The edge with three-letter `code` (any case), or nullptr.
const EdgeLocation* FindEdgeLocation(std::string_view code);
// The Region named `name`, or nullptr.
const AwsRegion* FindAwsRegion(std::string_view name);

// "SEA19-C1" -> "SEA". "" when the value does not start with three letters
// followed by a digit.
std::string PopAirportCode(std::string_view pop);

// Distance in km between two points on a sphere of the Earth's mean radius.
double GreatCircleKm(double lat1, double lon1, double lat2, double lon2);

// The Region enabled by default (not opt-in) closest to (lat, lon); `km`
// receives the distance when given.
const AwsRegion& NearestAwsRegion(double lat, double lon, double* km);

struct RegionAdvice {
  std::string pop;     // the header value, "" when absent
  std::string code;    // "SEA", "" when not parsed
  std::string city;    // "Seattle, US", "" when the code is unknown
  std::string region;  // always set; kFallbackRegion on fallback
  std::string reason;  // one sentence for the user
  bool fallback = false;
};

// Advice for an x-amz-cf-pop value ("" when the header was missing).
RegionAdvice AdviseRegion(std::string_view pop);

}  // namespace cfm

#endif  // CFMIGRATE_POP_REGIONS_H_
