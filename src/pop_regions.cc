#include "pop_regions.h"

#include <cctype>
#include <cmath>
#include <iterator>

#include "pop_regions_table.h"

namespace cfm {
namespace {

std::string Upper(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::toupper(c));
  return out;
}

const char* HandTableRegion(std::string_view code) {
  for (const HandEntry& e : kHandTable)
    if (code == e.code) return e.region;
  return nullptr;
}

std::string Km(double km) { return std::to_string(std::lround(km)) + " km"; }

}  // namespace

const EdgeLocation* FindEdgeLocation(std::string_view code) {
  std::string upper = Upper(code);
  for (const EdgeLocation& e : kEdgeLocations)
    if (upper == e.code) return &e;
  return nullptr;
}

const AwsRegion* FindAwsRegion(std::string_view name) {
  for (const AwsRegion& r : kAwsRegions)
    if (name == r.name) return &r;
  return nullptr;
}

std::string PopAirportCode(std::string_view pop) {
  if (pop.size() < 4) return "";
  for (size_t i = 0; i < 3; ++i)
    if (!std::isalpha(static_cast<unsigned char>(pop[i]))) return "";
  if (!std::isdigit(static_cast<unsigned char>(pop[3]))) return "";
  return Upper(pop.substr(0, 3));
}

double GreatCircleKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthKm = 6371.0;
  constexpr double kRad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) *
                 std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(a)));
}

const AwsRegion& NearestAwsRegion(double lat, double lon, double* km) {
  const AwsRegion* best = &kAwsRegions[0];
  double best_km = 1e9;
  for (const AwsRegion& r : kAwsRegions) {
    if (r.opt_in) continue;
    double d = GreatCircleKm(lat, lon, r.lat, r.lon);
    if (d < best_km) best = &r, best_km = d;
  }
  if (km) *km = best_km;
  return *best;
}

RegionAdvice AdviseRegion(std::string_view pop) {
  RegionAdvice a;
  a.pop = std::string(pop);
  a.region = kFallbackRegion;
  a.fallback = true;
  if (pop.empty()) {
    a.reason =
        "the response has no x-amz-cf-pop header (not served by "
        "CloudFront?); using the default us-west-2";
    return a;
  }
  a.code = PopAirportCode(pop);
  const EdgeLocation* edge =
      a.code.empty() ? nullptr : FindEdgeLocation(a.code);
  if (!edge) {
    a.reason = "edge code '" + (a.code.empty() ? a.pop : a.code) +
               "' is not in the table of CloudFront edge locations; using the "
               "default us-west-2";
    return a;
  }
  a.city = std::string(edge->city) + ", " + edge->country;
  a.fallback = false;
  double km = 0;
  const AwsRegion& nearest = NearestAwsRegion(edge->lat, edge->lon, &km);
  if (const char* hand = HandTableRegion(a.code)) {
    const AwsRegion* r = FindAwsRegion(hand);
    a.region = hand;
    a.reason = "the edge " + a.code + " (" + a.city +
               ") serves this machine; the metro table maps it to " + hand +
               " (" + r->city + ", " +
               Km(GreatCircleKm(edge->lat, edge->lon, r->lat, r->lon)) + ")";
    if (r->opt_in)
      a.reason +=
          "; it is an opt-in Region: enable it for the account, or use " +
          std::string(nearest.name) + " (" + Km(km) + ")";
    return a;
  }
  a.region = nearest.name;
  a.reason = "the edge " + a.code + " (" + a.city +
             ") serves this machine; the nearest AWS Region by great-circle "
             "distance is " +
             nearest.name + " (" + nearest.city + ", " + Km(km) + ")";
  return a;
}

}  // namespace cfm
