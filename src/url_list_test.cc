#include "url_list.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace cfm {
namespace {

std::vector<std::pair<std::string, size_t>> ReadAll(const std::string& path) {
  auto reader = UrlListReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<std::pair<std::string, size_t>> out;
  std::string url;
  size_t line = 0;
  while ((*reader)->Next(&url, &line)) out.emplace_back(url, line);
  EXPECT_TRUE((*reader)->status().ok());
  return out;
}

TEST(UrlListTest, LenientParsing) {
  TempDir dir;
  WriteFile(dir.File("u.txt"),
            "\xEF\xBB\xBFhttps://h/a.jpg\r\n"
            "\n"
            "   \t  \r\n"
            "  https://h/b.jpg  \n"
            "https://h/c.jpg\thttp 404\r\n"
            "\thttps://h/d.jpg\n"
            "https://h/e.jpg");  // last line without '\n'
  auto got = ReadAll(dir.File("u.txt"));
  std::vector<std::pair<std::string, size_t>> want = {{"https://h/a.jpg", 1},
                                                      {"https://h/b.jpg", 4},
                                                      {"https://h/c.jpg", 5},
                                                      {"https://h/d.jpg", 6},
                                                      {"https://h/e.jpg", 7}};
  EXPECT_EQ(got, want);
}

TEST(UrlListTest, BomOnlyStrippedOnFirstLine) {
  EXPECT_EQ(UrlFromListLine("\xEF\xBB\xBFx", true), "x");
  EXPECT_EQ(UrlFromListLine("\xEF\xBB\xBFx", false), "\xEF\xBB\xBFx");
  EXPECT_EQ(UrlFromListLine(" a b \t c", false), "a b");
  // Comments (completed.txt's header, validate's markers) are no URLs.
  EXPECT_EQ(UrlFromListLine("# cfmigrate completed v2", true), "");
  EXPECT_EQ(UrlFromListLine(" #x\thttp://h/a.jpg", false), "");
  EXPECT_EQ(UrlFromListLine("\r", false), "");
}

TEST(UrlListTest, LinesSpanningBlocks) {
  TempDir dir;
  std::string data;
  std::vector<std::string> urls;
  for (int i = 0; i < 50000; ++i) {
    urls.push_back("https://h/" + std::string(i % 97, 'x') + std::to_string(i));
    data += urls.back() + "\n";
  }
  WriteFile(dir.File("u.txt"), data);
  auto got = ReadAll(dir.File("u.txt"));
  ASSERT_EQ(got.size(), urls.size());
  for (size_t i = 0; i < urls.size(); ++i) {
    ASSERT_EQ(got[i].first, urls[i]);
    ASSERT_EQ(got[i].second, i + 1);
  }
}

TEST(UrlListTest, EmptyFileAndMissingFile) {
  TempDir dir;
  WriteFile(dir.File("empty.txt"), "");
  EXPECT_TRUE(ReadAll(dir.File("empty.txt")).empty());
  auto missing = UrlListReader::Open(dir.File("nope.txt"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.txt"), std::string::npos);
}

TEST(UrlListTest, DirectoryIsAnIOError) {
  TempDir dir;
  auto reader = UrlListReader::Open(dir.File(""));
  ASSERT_TRUE(reader.ok());  // open(2) of a directory succeeds read-only
  std::string url;
  EXPECT_FALSE((*reader)->Next(&url, nullptr));
  EXPECT_EQ((*reader)->status().code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace cfm
