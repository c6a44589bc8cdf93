#include "util/fs.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::util {

namespace {
std::string read_file_from_fifo(const std::filesystem::path& fifo) {
  const int fd = ::open(fifo.c_str(), O_RDONLY);
  std::string out;
  char buf[256];
  for (ssize_t n; fd >= 0 && (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  if (fd >= 0) ::close(fd);
  return out;
}
}  // namespace
namespace fs = std::filesystem;

TEST(AtomicFile, UncommittedLeavesNothingAndOldContentSurvives) {
  testing::TempDir tmp;
  write_file_atomic(tmp / "a", "old");
  {
    AtomicFile f(tmp / "a");
    f.write("half of the new");
  }  // destroyed without commit, as after an exception
  EXPECT_EQ(read_file(tmp / "a"), "old");
  int n = 0;
  for (auto& e : fs::directory_iterator(tmp.path())) {
    (void)e;
    ++n;
  }
  EXPECT_EQ(n, 1);  // no temporary left behind
  AtomicFile g(tmp / "a");
  g.write("new");
  g.commit();
  EXPECT_EQ(read_file(tmp / "a"), "new");
}

TEST(ReadFile, ErrorsAreTyped) {
  testing::TempDir tmp;
  try {
    read_file(tmp / "nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  try {
    read_file(tmp.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos);
  }
}

TEST(MappedFile, MapsContentAndEmptyFile) {
  testing::TempDir tmp;
  write_file_atomic(tmp / "m", "hello");
  MappedFile m(tmp / "m");
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(m.data()), 5), "hello");
  write_file_atomic(tmp / "e", "");
  MappedFile e(tmp / "e");
  EXPECT_EQ(e.size(), 0u);
}

// -o /dev/stdout, /dev/null or a FIFO: written straight to, never replaced by a renamed temporary file.
TEST(AtomicFile, NonRegularTargetsAreWrittenStraightTo) {
  testing::TempDir tmp;
  write_file_atomic("/dev/null", "nothing");
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  const auto fifo = tmp / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read_file_from_fifo(fifo); });
  write_file_atomic(fifo, "through the pipe");
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  // /dev/stdout with the output redirected to a file: a link into /proc that leads to a regular file. The
  // link stays, and what is written is appended to what the redirect already holds.
  write_file_atomic(tmp / "redirected", "head\n");
  const int fd = ::open((tmp / "redirected").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  const auto link = tmp / "stdout";
  std::filesystem::create_symlink("/proc/self/fd/" + std::to_string(fd), link);
  write_file_atomic(link, "tail\n");
  ::close(fd);
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(read_file(tmp / "redirected"), "head\ntail\n");
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) entries += e.exists() || e.is_symlink();
  EXPECT_EQ(entries, 3);  // pipe, redirected, stdout: no temporary file left
  // /dev/shm holds ordinary files: written atomically like any other folder.
  if (std::filesystem::is_directory("/dev/shm")) {
    const auto shm = std::filesystem::path("/dev/shm") / ("vidscribe-test-" + std::to_string(::getpid()));
    write_file_atomic(shm, "in memory");
    EXPECT_TRUE(std::filesystem::is_regular_file(shm));
    EXPECT_EQ(read_file(shm), "in memory");
    std::filesystem::remove(shm);
  }
  try {
    write_file_atomic(tmp.path(), "x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("folder"), std::string::npos);
  }
}

// What a writer killed between writing and renaming leaves is removed by the next writer to that folder, once
// its process is gone and the file is old; a live writer's file and unrelated files stay.
TEST(AtomicFile, StaleTemporaryFilesOfDeadWritersAreRemoved) {
  testing::TempDir tmp;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  const auto dead = tmp / ("out.json.tmp." + std::to_string(child) + ".0123abcd");
  const auto dead_young = tmp / ("b.json.tmp." + std::to_string(child) + ".0123abce");
  const auto alive = tmp / ("c.json.tmp." + std::to_string(::getpid()) + ".0123abcf");
  const auto unrelated = tmp / "notes.tmp.txt";
  for (const auto& p : {dead, dead_young, alive, unrelated}) write_file_atomic(p, "x");
  const auto old = std::filesystem::file_time_type::clock::now() - std::chrono::hours(2);
  for (const auto& p : {dead, alive, unrelated}) std::filesystem::last_write_time(p, old);
  EXPECT_EQ(remove_stale_temp_files(tmp.path()), 1u);
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(dead_young));
  EXPECT_TRUE(std::filesystem::exists(alive));
  EXPECT_TRUE(std::filesystem::exists(unrelated));
  EXPECT_EQ(remove_stale_temp_files(tmp.path(), std::chrono::seconds(0)), 1u);  // the young one, now
  EXPECT_EQ(remove_stale_temp_files(tmp / "missing"), 0u);
}

}  // namespace vidscribe::util
