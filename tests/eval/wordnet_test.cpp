// The synonym lookups from Debian's WordNet files against METEOR 1.5's own extracts of WordNet 3.0.
#include "eval/wordnet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::eval {
namespace {

std::filesystem::path meteor_dir() { return testing::shared_dir() / "evaldata" / "meteor"; }

// METEOR's two-line records: key line, then a line of values.
std::map<std::string, std::vector<std::string>> read_pairs(const std::filesystem::path& path) {
  std::istringstream in(testing::slurp(path));
  std::map<std::string, std::vector<std::string>> out;
  std::string key, values;
  while (std::getline(in, key) && std::getline(in, values)) {
    std::istringstream v(values);
    for (std::string x; v >> x;) out[key].push_back(x);
  }
  return out;
}

const WordNet& wordnet() {
  static const WordNet wn = WordNet::load(WordNet::default_dir());
  return wn;
}

TEST(WordNet, EveryWordHasMeteorsSynsets) {
  if (!std::filesystem::exists(meteor_dir())) GTEST_SKIP();
  const auto meteor = read_pairs(meteor_dir() / "english.synsets");
  ASSERT_GT(meteor.size(), 140000u);
  EXPECT_EQ(wordnet().n_words(), meteor.size());
  EXPECT_TRUE(wordnet().remapped_debian_offsets()) << "expected Debian's wordnet-base layout";
  size_t same = 0;
  std::string first_diff;
  for (const auto& [word, ids] : meteor) {
    std::set<SynsetId> want;
    for (const auto& id : ids) want.insert(std::stoll(id));
    const auto& got = wordnet().synsets(word);
    if (std::set<SynsetId>(got.begin(), got.end()) == want) ++same;
    else if (first_diff.empty()) first_diff = word;
  }
  EXPECT_EQ(same, meteor.size()) << "first word that differs: " << first_diff;
}

TEST(WordNet, ExceptionsAreMeteors) {
  if (!std::filesystem::exists(meteor_dir())) GTEST_SKIP();
  // english.exceptions: base, then the forms that map to it.
  std::map<std::string, std::set<std::string>> want;
  for (const auto& [base, forms] : read_pairs(meteor_dir() / "english.exceptions"))
    for (const auto& f : forms) want[f].insert(base);
  ASSERT_GT(want.size(), 5000u);
  for (const auto& [form, bases] : want) {
    const auto& got = wordnet().exception_bases(form);
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), bases) << form;
  }
}

TEST(WordNet, StemSynsetsFollowExceptionsThenSuffixRules) {
  const WordNet& wn = wordnet();
  // Irregular: "geese" -> goose; regular: "dogs" -> dog, "running" -> run (verb rule ing -> "").
  EXPECT_EQ(wn.stem_synsets("geese"), wn.synsets("goose"));
  EXPECT_EQ(wn.stem_synsets("dogs"), wn.synsets("dog"));
  EXPECT_FALSE(wn.stem_synsets("watches").empty());
  // Words ending in "ss" or of at most two letters are their own base.
  EXPECT_EQ(wn.stem_synsets("glass"), wn.synsets("glass"));
  // Unknown word: nothing.
  EXPECT_TRUE(wn.all_synsets("qwzxv").empty());
  // METEOR's offset-only ids merge a verb and an adjective synset: "down" (verb) and "standing" (adjective).
  auto a = wn.all_synsets("down"), b = wn.all_synsets("standing");
  std::vector<SynsetId> shared;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(shared));
  EXPECT_EQ(shared, std::vector<SynsetId>{1239862});
}

TEST(WordNet, MissingFolderIsAClearError) {
  EXPECT_THROW(WordNet::load("/nonexistent/wordnet"), Error);
}

}  // namespace
}  // namespace vidscribe::eval
