#include "file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace cfm {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

TEST(ErrnoStatusTest, NamesStepPathAndError) {
  Status s = ErrnoStatus(EACCES, "create", "/x/y.tmp");
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "create /x/y.tmp: Permission denied");
}

TEST(ReadWholeFileTest, ReadsEverythingAndTellsMissingFromBroken) {
  TempDir dir;
  std::string big(200000, 'x');
  big += "end";
  WriteFile(dir.File("f"), big);
  Result<std::string> r = ReadWholeFile(dir.File("f"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, big);
  Result<std::string> none = ReadWholeFile(dir.File("none"));
  EXPECT_EQ(none.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(none.status().message(),
            "open " + dir.File("none") + ": No such file or directory");
  EXPECT_EQ(ReadWholeFile(dir.File("f/under-a-file")).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(ReadWholeFile(dir.File("f"), big.size()).status().code(),
            Status::Code::kOk);
  Result<std::string> capped = ReadWholeFile(dir.File("f"), 1000);
  EXPECT_EQ(capped.status().code(), Status::Code::kIOError);
  EXPECT_EQ(capped.status().message(),
            dir.File("f") + " is larger than 1000 bytes");
  Result<std::string> is_dir = ReadWholeFile(dir.File(""));
  EXPECT_EQ(is_dir.status().code(), Status::Code::kIOError);
  EXPECT_NE(is_dir.status().message().find("Is a directory"),
            std::string::npos);
}

TEST(WriteFileAtomicallyTest, ReplacesContentWithTheGivenMode) {
  TempDir dir;
  std::string path = dir.File("state.json");
  WriteFile(path + ".tmp", "left by a crash");
  ::chmod((path + ".tmp").c_str(), 0666);
  ASSERT_TRUE(WriteFileAtomically(path, "one", kPrivateFileMode).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "two", kPrivateFileMode).ok());
  EXPECT_EQ(ReadFile(path), "two");
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_FALSE(Exists(path + ".tmp"));
  ASSERT_TRUE(WriteFileAtomically(path, "three", kSharedFileMode).ok());
  EXPECT_EQ(ModeOf(path), 0644u);
}

TEST(WriteFileAtomicallyTest, UnwritableDirectoryFailsNamingTheStep) {
  TempDir dir;
  WriteFile(dir.File("plain"), "a file, not a directory");
  // Works as root too (unlike a chmod-ed directory): ENOTDIR.
  Status s = WriteFileAtomically(dir.File("plain/f"), "x", kSharedFileMode);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(),
            "create " + dir.File("plain/f.tmp") + ": Not a directory");
}

TEST(WriteFileAtomicallyTest, FailedRenameKeepsOldFileAndRemovesTemp) {
  TempDir dir;
  std::string path = dir.File("target");
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  WriteFile(path + "/inside", "keeps the directory non-empty");
  Status s = WriteFileAtomically(path, "x", kSharedFileMode);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message().rfind("rename to " + path + ": ", 0), 0u)
      << s.message();
  EXPECT_FALSE(Exists(path + ".tmp"));
  EXPECT_EQ(ReadFile(path + "/inside"), "keeps the directory non-empty");
}

TEST(AtomicFileWriterTest, NothingChangesUntilCommit) {
  TempDir dir;
  std::string path = dir.File("list.txt");
  WriteFile(path, "old\n");
  {
    auto w = AtomicFileWriter::Open(path, kSharedFileMode);
    ASSERT_TRUE(w.ok());
    std::string line(1000, 'a');
    line += '\n';
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE((*w)->Append(line).ok());
    EXPECT_EQ(ReadFile(path), "old\n");
    // Abandoned: the destructor removes the temp file.
  }
  EXPECT_EQ(ReadFile(path), "old\n");
  EXPECT_FALSE(Exists(path + ".tmp"));
  auto w = AtomicFileWriter::Open(path, kSharedFileMode);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("new\n").ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(ReadFile(path), "new\n");
  EXPECT_FALSE(Exists(path + ".tmp"));
}

TEST(AppendOnlyFileTest, AppendsKeepsOrEmptiesAndCountsSize) {
  TempDir dir;
  std::string path = dir.File("log");
  WriteFile(path, "a\n");
  {
    auto f = AppendOnlyFile::Open(path, AppendOnlyFile::Start::kKeep,
                                  kSharedFileMode);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ((*f)->size(), 2);
    ASSERT_TRUE((*f)->Append("b\n").ok());
    ASSERT_TRUE((*f)->Sync().ok());
    EXPECT_EQ((*f)->size(), 4);
  }
  EXPECT_EQ(ReadFile(path), "a\nb\n");
  auto f = AppendOnlyFile::Open(path, AppendOnlyFile::Start::kEmpty,
                                kSharedFileMode);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->size(), 0);
  EXPECT_EQ(ReadFile(path), "");
}

TEST(AppendOnlyFileTest, AfterLastLineCutsATornTail) {
  TempDir dir;
  std::string path = dir.File("log");
  WriteFile(path, "one\ntwo\nthr");
  auto f = AppendOnlyFile::Open(path, AppendOnlyFile::Start::kAfterLastLine,
                                kSharedFileMode);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->size(), 8);
  ASSERT_TRUE((*f)->Append("four\n").ok());
  EXPECT_EQ(ReadFile(path), "one\ntwo\nfour\n");
  WriteFile(path, "no newline at all");
  auto g = AppendOnlyFile::Open(path, AppendOnlyFile::Start::kAfterLastLine,
                                kSharedFileMode);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)->size(), 0);
  EXPECT_EQ(ReadFile(path), "");
}

TEST(AppendOnlyFileTest, CutToRefusesAShorterFile) {
  TempDir dir;
  std::string path = dir.File("urls");
  WriteFile(path, "0123456789");
  auto f =
      AppendOnlyFile::Open(path, AppendOnlyFile::Start::kKeep, kSharedFileMode);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->CutTo(11).code(), Status::Code::kCorruption);
  ASSERT_TRUE((*f)->CutTo(4).ok());
  EXPECT_EQ((*f)->size(), 4);
  ASSERT_TRUE((*f)->Append("x\n").ok());
  EXPECT_EQ(ReadFile(path), "0123x\n");
}

TEST(AppendOnlyFileTest, LinesFromThreadsNeverInterleave) {
  TempDir dir;
  std::string path = dir.File("log");
  auto f = AppendOnlyFile::Open(path, AppendOnlyFile::Start::kEmpty,
                                kSharedFileMode);
  ASSERT_TRUE(f.ok());
  std::vector<std::thread> threads;
  for (char c : std::string("abcd")) {
    threads.emplace_back([&f, c] {
      std::string line(5000, c);
      line += '\n';
      for (int i = 0; i < 50; ++i) (void)(*f)->Append(line);
    });
  }
  for (std::thread& t : threads) t.join();
  std::string text = ReadFile(path);
  EXPECT_EQ(text.size(), 4u * 50 * 5001);
  for (size_t at = 0; at < text.size(); at += 5001) {
    EXPECT_EQ(text.find_first_not_of(text[at], at), at + 5000) << at;
  }
}

TEST(AppendOnlyFileTest, WriteAndOpenFailuresAreNamed) {
  // /dev/full accepts the open and fails every write with ENOSPC.
  auto full = AppendOnlyFile::Open("/dev/full", AppendOnlyFile::Start::kKeep,
                                   kSharedFileMode);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  Status s = (*full)->Append("line\n");
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "write /dev/full: No space left on device");
  TempDir dir;
  auto missing = AppendOnlyFile::Open(
      dir.File("no/such/log"), AppendOnlyFile::Start::kKeep, kSharedFileMode);
  EXPECT_EQ(missing.status().code(), Status::Code::kIOError);
  EXPECT_EQ(missing.status().message(),
            "open " + dir.File("no/such/log") + ": No such file or directory");
}

}  // namespace
}  // namespace cfm
