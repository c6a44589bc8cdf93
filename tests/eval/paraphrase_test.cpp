// METEOR's paraphrase module: the table reader (gzip and plain, bad files) and the phrase matches it adds to
// the alignment, on planted sentences whose statistics are worked out by hand.
#include "eval/paraphrase.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <fstream>

#include "eval/meteor.h"
#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::eval {
namespace {

std::vector<int> ids(const ParaphraseTable& t, const std::vector<std::string>& words) {
  std::vector<int> out;
  for (const auto& w : words) out.push_back(t.word_id(w));
  return out;
}

std::vector<std::string> words_of(const ParaphraseTable& t, ParaphraseTable::Phrase p,
                                  const std::vector<std::string>& vocab) {
  std::vector<std::string> out;
  for (const int32_t* w = p.begin; w != p.end; ++w)
    for (const auto& v : vocab)
      if (t.word_id(v) == *w) out.push_back(v);
  return out;
}

void write_gzip(const std::filesystem::path& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

const char* kTable =
    "0.5\na b\nx\n"
    "0.4\na\ny\n"
    "0.3\na b\nz z\n"
    "0.2\na b c\nw\n"
    "1e-3\n\nignored\n"  // empty reference phrase: never looked up
    "0.1\nb\n\n";        // empty paraphrase: skipped

TEST(ParaphraseTable, PathsShortestFirstThenFileOrder) {
  ParaphraseTable t = ParaphraseTable::parse(kTable);
  EXPECT_EQ(t.n_entries(), 4u);
  const std::vector<std::string> vocab{"a", "b", "c", "x", "y", "z", "w"};
  auto paths = t.reference_paths(ids(t, {"a", "b", "c", "q"}), 0);
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_EQ(paths[0].first, 1);
  EXPECT_EQ(words_of(t, t.paraphrase(paths[0].second), vocab), std::vector<std::string>{"y"});
  EXPECT_EQ(paths[1].first, 2);
  EXPECT_EQ(words_of(t, t.paraphrase(paths[1].second), vocab), std::vector<std::string>{"x"});
  EXPECT_EQ(paths[2].first, 2);
  EXPECT_EQ(words_of(t, t.paraphrase(paths[2].second), vocab), (std::vector<std::string>{"z", "z"}));
  EXPECT_EQ(paths[3].first, 3);
  EXPECT_EQ(words_of(t, t.paraphrase(paths[3].second), vocab), std::vector<std::string>{"w"});
  // From the second word: "b" has only an empty paraphrase (skipped); unknown words (-1) match nothing.
  EXPECT_TRUE(t.reference_paths(ids(t, {"a", "b", "c"}), 1).empty());
  EXPECT_TRUE(t.reference_paths(ids(t, {"q", "a"}), 0).empty());
  EXPECT_EQ(t.reference_paths(ids(t, {"q", "a"}), 1).size(), 1u);
  EXPECT_EQ(t.word_id("q"), -1);
}

TEST(ParaphraseTable, GzipAndPlainFilesReadTheSame) {
  testing::TempDir dir;
  write_gzip(dir.path() / "p.gz", kTable);
  std::ofstream(dir.path() / "p.txt") << kTable;
  for (const char* name : {"p.gz", "p.txt"}) {
    ParaphraseTable t = ParaphraseTable::load(dir.path() / name);
    EXPECT_EQ(t.n_entries(), 4u) << name;
    EXPECT_EQ(t.reference_paths(ids(t, {"a", "b", "c"}), 0).size(), 4u) << name;
  }
}

TEST(ParaphraseTable, ReportsProgressInBytesOfTheFile) {
  testing::TempDir dir;
  std::string text;
  for (int k = 0; k < 20000; ++k) text += "0.5\nword" + std::to_string(k) + " b\nparaphrase" + std::to_string(k) + "\n";
  write_gzip(dir.path() / "big.gz", text);
  uint64_t last_done = 0, last_total = 0;
  int calls = 0;
  ParaphraseTable t = ParaphraseTable::load(dir.path() / "big.gz", [&](uint64_t done, uint64_t total) {
    EXPECT_GE(done, last_done);
    last_done = done;
    last_total = total;
    ++calls;
  });
  EXPECT_EQ(t.n_entries(), 20000u);
  EXPECT_GE(calls, 1);
  EXPECT_EQ(last_total, std::filesystem::file_size(dir.path() / "big.gz"));
  EXPECT_EQ(last_done, last_total);
}

TEST(ParaphraseTable, BadFilesAreClearErrors) {
  testing::TempDir dir;
  auto message = [](auto fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { ParaphraseTable::load(dir.path() / "missing.gz"); }).find("no such file"),
            std::string::npos);
  EXPECT_NE(message([&] { ParaphraseTable::load(dir.path()); }).find("directory"), std::string::npos);
  // An entry cut short.
  write_gzip(dir.path() / "cut.gz", "0.5\na b\nx\n0.4\na\n");
  EXPECT_NE(message([&] { ParaphraseTable::load(dir.path() / "cut.gz"); }).find("cut short"), std::string::npos);
  // Not a paraphrase table: the first line of an entry must be a number.
  write_gzip(dir.path() / "words.gz", "hello world\nfoo\nbar\n");
  EXPECT_NE(message([&] { ParaphraseTable::load(dir.path() / "words.gz"); }).find("line 1 is not a probability"),
            std::string::npos);
  // A gzip header followed by garbage.
  std::ofstream(dir.path() / "corrupt.gz", std::ios::binary) << std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10)
                                                              << std::string(64, '\x7f');
  EXPECT_NE(message([&] { ParaphraseTable::load(dir.path() / "corrupt.gz"); }).find("cannot read"),
            std::string::npos);
}

// Made-up words: no WordNet synsets, no shared stems, so only the planted table relates them.
std::unique_ptr<Meteor> meteor_with(const std::string& table) {
  auto t = std::make_shared<const ParaphraseTable>(ParaphraseTable::parse(table));
  return std::make_unique<Meteor>(find_meteor_data_dir(), WordNet::default_dir(), MeteorParams{}, t);
}

TEST(MeteorParaphrase, PhraseOfTheReferenceFoundInTheTest) {
  auto m = meteor_with("0.2\nquux\nblix flam\n");
  ASSERT_TRUE(m->has_paraphrases());
  // test:      a zorp [blix flam] here      reference: a zorp [quux] here
  MeteorStats s = m->stats("a zorp blix flam here", {"a zorp quux here"});
  EXPECT_EQ(s.test_content[3], 2);       // blix, flam
  EXPECT_EQ(s.reference_content[3], 1);  // quux
  EXPECT_EQ(s.test_total_matches, 5);
  EXPECT_EQ(s.reference_total_matches, 4);
  EXPECT_EQ(s.chunks, 1);
  // Everything matched in one chunk: no fragmentation penalty. "a" is a function word (weight 1 - delta).
  const double delta = 0.75, alpha = 0.85;
  const double p = (delta * (2 + 0.6 * 2) + (1 - delta) * 1) / (delta * 4 + (1 - delta) * 1);
  const double r = (delta * (2 + 0.6 * 1) + (1 - delta) * 1) / (delta * 3 + (1 - delta) * 1);
  EXPECT_NEAR(m->score(s), 1.0 / ((1 - alpha) / p + alpha / r), 1e-12);

  // The same pair without the table: "quux", "blix" and "flam" stay unmatched, in two chunks.
  Meteor plain(find_meteor_data_dir(), WordNet::default_dir());
  MeteorStats u = plain.stats("a zorp blix flam here", {"a zorp quux here"});
  EXPECT_EQ(u.test_total_matches, 3);
  EXPECT_EQ(u.chunks, 2);
  EXPECT_LT(plain.score(u), m->score(s));
}

TEST(MeteorParaphrase, PhraseOfTheTestFoundInTheReference) {
  // The table lists the test's phrase as the reference side: found by the second pass.
  auto m = meteor_with("0.2\nblix flam\nquux\n");
  MeteorStats s = m->stats("a zorp blix flam here", {"a zorp quux here"});
  EXPECT_EQ(s.test_content[3], 2);
  EXPECT_EQ(s.reference_content[3], 1);
  EXPECT_EQ(s.chunks, 1);
}

TEST(MeteorParaphrase, TwoWordPhraseWeighsOneInTheSearch) {
  // "blix flam" occurs twice in the test, so "quux" has two candidates and goes to the beam search. Each adds
  // int(2 x 0.5) = 1 to the search score, so taking one beats skipping it, even alone (a one-word candidate
  // would add 0 and lose to the path with one chunk fewer, see below).
  auto m = meteor_with("0.2\nquux\nblix flam\n");
  MeteorStats s = m->stats("blix flam zorp blix flam", {"quux"});
  EXPECT_EQ(s.test_content[3], 2);
  EXPECT_EQ(s.test_total_matches, 2);
  EXPECT_EQ(s.reference_total_matches, 1);
  EXPECT_EQ(s.chunks, 1);
}

TEST(MeteorParaphrase, OneWordParaphraseWithTwoCandidatesAddsNothingWhenIsolated) {
  // As for stems and synonyms: one word weighs int(0.5) = 0 in the search, and skipping saves a chunk.
  MeteorStats two = meteor_with("0.2\nquux\nblix\n0.1\nquux\nzorp\n")->stats("blix zorp", {"quux"});
  EXPECT_EQ(two.test_total_matches, 0);
  // With a single candidate the match is fixed before the search.
  MeteorStats one = meteor_with("0.2\nquux\nblix\n")->stats("blix zorp", {"quux"});
  EXPECT_EQ(one.test_total_matches, 1);
  EXPECT_EQ(one.test_content[3], 1);
}

TEST(MeteorParaphrase, IdenticalSentencesUseExactMatchesOnly) {
  MeteorStats s = meteor_with("0.2\nzorp\nzorp\n")->stats("a zorp", {"a zorp"});
  EXPECT_EQ(s.test_content[0], 1);
  EXPECT_EQ(s.test_content[3], 0);
}

}  // namespace
}  // namespace vidscribe::eval
