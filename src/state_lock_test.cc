#include "state_lock.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace cfm {
namespace {

TEST(StateLockTest, SecondHolderIsRefusedWithTheFirstNamed) {
  TempDir dir;
  std::string path = dir.File("");
  auto first = StateLock::Acquire(path, "migrate");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = StateLock::Acquire(path, "validate");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(second.status().message().find("in use by cfmigrate migrate (pid "),
            std::string::npos)
      << second.status().message();
}

TEST(StateLockTest, ReleasedOnDestruction) {
  TempDir dir;
  std::string path = dir.File("");
  {
    auto first = StateLock::Acquire(path, "migrate");
    ASSERT_TRUE(first.ok());
  }
  auto again = StateLock::Acquire(path, "validate");
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST(StateLockTest, MissingDirectoryIsAnIOError) {
  TempDir dir;
  auto lock = StateLock::Acquire(dir.File("no/such"), "migrate");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace cfm
