#include "ini_file.h"

#include <gtest/gtest.h>

namespace cfm {
namespace {

TEST(IniFileTest, SectionsKeysAndBlanks) {
  IniSections ini = ParseIni(
      "[default]\n"
      "aws_access_key_id=AKIDDEFAULT\n"
      "Aws_Secret_Access_Key   =   secret with spaces  \n"
      "[ profile   dev ]\n"
      "region = eu-west-1\n");
  ASSERT_EQ(ini.size(), 2u);
  EXPECT_EQ(ini["default"]["aws_access_key_id"], "AKIDDEFAULT");
  EXPECT_EQ(ini["default"]["aws_secret_access_key"], "secret with spaces");
  EXPECT_EQ(ini["profile dev"]["region"], "eu-west-1");
}

TEST(IniFileTest, CommentsWholeLineAndInline) {
  IniSections ini = ParseIni(
      "# a comment\n"
      "; another\n"
      "[x] # section comment\n"
      "  # indented comment\n"
      "a = 1 # trailing\n"
      "b = 2 ; trailing\n"
      "c = abc#def;ghi\n");
  EXPECT_EQ(ini["x"]["a"], "1");
  EXPECT_EQ(ini["x"]["b"], "2");
  // Without a blank before it, '#' or ';' belongs to the value.
  EXPECT_EQ(ini["x"]["c"], "abc#def;ghi");
  EXPECT_EQ(ini["x"].size(), 3u);
}

TEST(IniFileTest, QuotesAreRemovedOncePerValue) {
  IniSections ini = ParseIni(
      "[q]\n"
      "double = \"AKIDQUOTED\"\n"
      "single = 'abc'\n"
      "mismatched = \"abc'\n"
      "inner = a\"b\"c\n");
  EXPECT_EQ(ini["q"]["double"], "AKIDQUOTED");
  EXPECT_EQ(ini["q"]["single"], "abc");
  EXPECT_EQ(ini["q"]["mismatched"], "\"abc'");
  EXPECT_EQ(ini["q"]["inner"], "a\"b\"c");
}

TEST(IniFileTest, CrlfBomAndJunkLines) {
  IniSections ini = ParseIni(
      "\xEF\xBB\xBF"
      "orphan = before any section\r\n"
      "[a]\r\n"
      "key = value\r\n"
      "this line has no equals sign\r\n"
      "= no key\r\n"
      "[broken\r\n"
      "lost = yes\r\n");
  ASSERT_EQ(ini.size(), 1u);
  EXPECT_EQ(ini["a"]["key"], "value");
  EXPECT_EQ(ini["a"].count("lost"), 0u);
}

TEST(IniFileTest, IndentedLinesContinueTheKeyAbove) {
  IniSections ini = ParseIni(
      "[profile p]\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "  addressing_style = path\n"
      "region = us-east-1\n"
      "  indented_key = kept\n");
  EXPECT_EQ(ini["profile p"]["s3"],
            "max_concurrent_requests = 20\naddressing_style = path");
  EXPECT_EQ(ini["profile p"]["region"], "us-east-1\nindented_key = kept");
}

TEST(IniFileTest, EquallyIndentedKeysAreSeparate) {
  IniSections ini = ParseIni(
      "[i]\n"
      "  a = 1\n"
      "  b = 2\n");
  EXPECT_EQ(ini["i"]["a"], "1");
  EXPECT_EQ(ini["i"]["b"], "2");
}

TEST(IniFileTest, LaterDuplicatesOverrideAndSectionsMerge) {
  IniSections ini = ParseIni(
      "[d]\na = 1\nb = 2\n"
      "[other]\nz = 9\n"
      "[d]\na = 3\n");
  EXPECT_EQ(ini["d"]["a"], "3");
  EXPECT_EQ(ini["d"]["b"], "2");
}

}  // namespace
}  // namespace cfm
