#include "models/git_sha1.h"

#include <gtest/gtest.h>

#include "support/support.h"
#include "util/fs.h"

namespace vidscribe::models {
namespace {

TEST(Sha1, FipsVectors) {
  Sha1 abc;
  abc.update("abc");
  EXPECT_EQ(abc.hex_digest(), "a9993e364706816aba3e25717850c26c9cd0d89d");
  Sha1 two_blocks;
  two_blocks.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(two_blocks.hex_digest(), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  Sha1 million;
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) million.update(chunk);
  EXPECT_EQ(million.hex_digest(), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(GitBlobSha1, MatchesGitHashObject) {
  // `git hash-object` of an empty file and of "hello\n".
  EXPECT_EQ(git_blob_sha1(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(git_blob_sha1("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST(GitBlobSha1, FileEqualsInMemoryAcrossBufferBoundaries) {
  testing::TempDir dir;
  std::string data;
  for (int i = 0; i < (1 << 20) + 777; ++i) data += static_cast<char>((i * 131) & 0xff);
  util::write_file_atomic(dir / "blob", data);
  EXPECT_EQ(git_blob_sha1_file(dir / "blob"), git_blob_sha1(data));
  EXPECT_NE(git_blob_sha1(data), git_blob_sha1(data.substr(1)));
}

}  // namespace
}  // namespace vidscribe::models
