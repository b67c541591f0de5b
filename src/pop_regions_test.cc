#include "pop_regions.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

TEST(PopRegionsTest, AirportCodeFromHeader) {
  EXPECT_EQ(PopAirportCode("SEA19-C1"), "SEA");
  EXPECT_EQ(PopAirportCode("fra56-p1"), "FRA");
  EXPECT_EQ(PopAirportCode("DFW3"), "DFW");
  EXPECT_EQ(PopAirportCode("SE19-C1"), "");
  EXPECT_EQ(PopAirportCode("SEAX-C1"), "");
  EXPECT_EQ(PopAirportCode(""), "");
}

TEST(PopRegionsTest, GreatCircleDistanceMatchesKnownFigures) {
  // London Heathrow - New York JFK is about 5,540 km.
  EXPECT_NEAR(GreatCircleKm(51.47, -0.45, 40.64, -73.78), 5540, 30);
  EXPECT_NEAR(GreatCircleKm(10, 20, 10, 20), 0, 1e-9);
}

TEST(PopRegionsTest, HandTableCases) {
  RegionAdvice sea = AdviseRegion("SEA19-C1");
  EXPECT_EQ(sea.region, "us-west-2");
  EXPECT_EQ(sea.city, "Seattle, US");
  EXPECT_FALSE(sea.fallback);
  EXPECT_EQ(AdviseRegion("FRA56-P1").region, "eu-central-1");
  EXPECT_EQ(AdviseRegion("NRT57-C3").region, "ap-northeast-1");
  EXPECT_EQ(AdviseRegion("KIX56-C2").region, "ap-northeast-3");
  EXPECT_EQ(AdviseRegion("IAD79-C3").region, "us-east-1");
  EXPECT_NE(AdviseRegion("NRT57-C3").reason.find("Tokyo"), std::string::npos);
}

TEST(PopRegionsTest, NearestRegionForCodesOutsideTheHandTable) {
  RegionAdvice dfw = AdviseRegion("DFW3-C1");
  EXPECT_FALSE(dfw.fallback);
  EXPECT_EQ(dfw.region, "us-east-2");  // Dallas: Ohio is closer than Virginia
  EXPECT_NE(dfw.reason.find("great-circle"), std::string::npos);
  EXPECT_EQ(AdviseRegion("AKL50-C1").region, "ap-southeast-2");
  EXPECT_EQ(AdviseRegion("VIE50-C1").region, "eu-central-1");
}

TEST(PopRegionsTest, EveryHandTableRegionAndEveryEdgeResolves) {
  for (const char* code :
       {"IAD", "ORD", "SFO", "SEA", "YUL", "GRU", "DUB", "LHR", "CDG", "FRA",
        "ZRH", "ARN", "MXP", "MAD", "NRT", "KIX", "ICN", "SIN", "SYD", "MEL",
        "BOM", "HYD", "HKG", "CPT", "BAH", "DXB", "TLV", "CGK"}) {
    ASSERT_NE(FindEdgeLocation(code), nullptr) << code;
    RegionAdvice a = AdviseRegion(std::string(code) + "1-C1");
    EXPECT_FALSE(a.fallback) << code;
    EXPECT_NE(FindAwsRegion(a.region), nullptr) << code;
  }
}

TEST(PopRegionsTest, FallbacksCarryAReason) {
  RegionAdvice none = AdviseRegion("");
  EXPECT_TRUE(none.fallback);
  EXPECT_EQ(none.region, "us-west-2");
  EXPECT_NE(none.reason.find("no x-amz-cf-pop"), std::string::npos);
  RegionAdvice unknown = AdviseRegion("QQQ12-C1");
  EXPECT_TRUE(unknown.fallback);
  EXPECT_EQ(unknown.region, "us-west-2");
  EXPECT_NE(unknown.reason.find("QQQ"), std::string::npos);
  EXPECT_TRUE(AdviseRegion("garbage").fallback);
}

}  // namespace
}  // namespace cfm
