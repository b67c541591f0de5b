#include "validate_gone.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace cfm {
namespace {

TEST(ValidateGoneTest, GoneReasons) {
  EXPECT_TRUE(IsGoneReason("http 404"));
  EXPECT_TRUE(IsGoneReason("http 410"));
  EXPECT_TRUE(IsGoneReason("http 403"));
  EXPECT_FALSE(IsGoneReason("http 4040"));
  EXPECT_FALSE(IsGoneReason("http 503 after 4 attempts"));
  EXPECT_FALSE(IsGoneReason("s3 http 403"));
  EXPECT_FALSE(IsGoneReason("timeout after 4 attempts"));
  EXPECT_FALSE(IsGoneReason(""));
  // The reasons migrate writes now name the side; gone.txt keeps the status.
  EXPECT_EQ(GoneStatus("source http 404"), "http 404");
  EXPECT_EQ(GoneStatus("source http 410"), "http 410");
  EXPECT_EQ(GoneStatus("source http 403"), "http 403");
  EXPECT_EQ(GoneStatus("source http 503 after 4 attempts"), "");
  EXPECT_EQ(GoneStatus("s3 http 404"), "");
}

TEST(ValidateGoneTest, TheLastListNamingAUrlDecides) {
  TempDir dir;
  WriteFile(dir.File("prev.txt"),
            "http://h/a.jpg\thttp 404\n"
            "http://h/b.jpg\thttp 410\n"
            "http://h/c.jpg\ttimeout after 4 attempts\n"
            "http://h/d.jpg\thttp 403\n");
  WriteFile(dir.File("last.txt"),
            "http://h/b.jpg\thttp 503 after 4 attempts\r\n"  // came back?
            "http://h/c.jpg\thttp 404\n"
            "junk\tmalformed url: not an http(s) URL\n");
  GoneUrls gone;
  ASSERT_TRUE(LoadGoneUrls({dir.File("prev.txt"), dir.File("none.txt"),
                            dir.File("last.txt")},
                           &gone)
                  .ok());
  EXPECT_EQ(gone, (GoneUrls{{"http://h/a.jpg", "http 404"},
                            {"http://h/c.jpg", "http 404"},
                            {"http://h/d.jpg", "http 403"}}));
}

}  // namespace
}  // namespace cfm
