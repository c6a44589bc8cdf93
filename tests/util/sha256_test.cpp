#include "util/sha256.h"
#include "util/fs.h"
#include "util/file_hash.h"

#include <gtest/gtest.h>

#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::util {

// FIPS 180-4 example vectors.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// An empty file's bytes come as (nullptr, 0): passing that null on to memcpy was undefined behaviour (UBSan,
// in the bad-input matrix's empty video). An empty update changes nothing, also mid-block.
TEST(Sha256, EmptyUpdateWithNullDataChangesNothing) {
  Sha256 h;
  h.update(nullptr, 0);
  h.update("ab", 2);
  h.update(nullptr, 0);
  h.update("c", 1);
  EXPECT_EQ(h.hex_digest(), sha256_hex("abc"));
}

TEST(Sha256, PiecewiseEqualsWhole) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>(i * 7);
  for (size_t cut : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 999u}) {
    Sha256 h;
    h.update(data.substr(0, cut));
    h.update(data.substr(cut));
    EXPECT_EQ(h.hex_digest(), sha256_hex(data)) << cut;
  }
}

TEST(Sha256, FileMatchesMemoryAndMissingFileIsNotFound) {
  testing::TempDir tmp;
  std::string data(3 << 20, 'x');
  write_file_atomic(tmp / "f", data);
  EXPECT_EQ(sha256_file_hex(tmp / "f"), sha256_hex(data));
  try {
    sha256_file_hex(tmp / "missing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

}  // namespace vidscribe::util

namespace vidscribe::util {

TEST(FileSha256, ComputedOnceAndAgainWhenTheFileChanges) {
  testing::TempDir tmp;
  write_file_atomic(tmp / "weights.bin", "abc");
  const auto memo = tmp / "memo";
  EXPECT_EQ(file_sha256(tmp / "weights.bin", memo), sha256_hex("abc"));
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(memo)) entries += e.is_regular_file();
  ASSERT_EQ(entries, 1);
  // The second call reads the memo, not the file: a memo changed behind its back shows it.
  for (const auto& e : std::filesystem::directory_iterator(memo)) write_file_atomic(e.path(), std::string(64, 'f'));
  EXPECT_EQ(file_sha256(tmp / "weights.bin", memo), std::string(64, 'f'));
  // A changed file (size and time) is hashed again.
  write_file_atomic(tmp / "weights.bin", "abcd");
  EXPECT_EQ(file_sha256(tmp / "weights.bin", memo), sha256_hex("abcd"));
  // A memo folder that cannot be made costs nothing but the hashing.
  write_file_atomic(tmp / "not-a-dir", "x");
  EXPECT_EQ(file_sha256(tmp / "weights.bin", tmp / "not-a-dir" / "memo"), sha256_hex("abcd"));
  try {
    file_sha256(tmp / "missing", memo);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST(FileSha256, HubBlobIsNamedByItsHash) {
  testing::TempDir tmp;
  // A Hugging Face cache: snapshots/<rev>/file -> ../../blobs/<sha256>. The name is the answer; the blob's
  // bytes here differ from what the name says, to show that nothing is read.
  const std::string name = sha256_hex("the real weights");
  std::filesystem::create_directories(tmp / "blobs");
  std::filesystem::create_directories(tmp / "snapshots" / "rev");
  write_file_atomic(tmp / "blobs" / name, "other bytes");
  std::filesystem::create_symlink("../../blobs/" + name, tmp / "snapshots" / "rev" / "model.safetensors");
  EXPECT_EQ(file_sha256(tmp / "snapshots" / "rev" / "model.safetensors", tmp / "memo"), name);
  // A symlink to an ordinary file is hashed.
  write_file_atomic(tmp / "elsewhere", "x");
  std::filesystem::create_symlink(tmp / "elsewhere", tmp / "link-elsewhere");
  EXPECT_EQ(file_sha256(tmp / "link-elsewhere", tmp / "memo"), sha256_hex("x"));
}

}  // namespace vidscribe::util
