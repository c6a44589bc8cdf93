#include "util/fs.h"

#include <gtest/gtest.h>

#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::util {
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

}  // namespace vidscribe::util
