// Parity of the GPT-2 and CLIP tokenizers with the reference tokenizers on the real vocabularies
// (golden/tokenizers/cases.jsonl and the token ids stored with the tiny models).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "support/support.h"
#include "text/clip_tokenizer.h"
#include "text/gpt2_tokenizer.h"

namespace vidscribe::text {
namespace {

namespace fs = std::filesystem;
using testing::golden_dir;

struct Case {
  int line = 0;
  std::string text;
  std::vector<int64_t> gpt2_ids;
  std::vector<int64_t> clip_ids;
  std::string clip_decoded;
};

fs::path tokenizer_dir() { return golden_dir() / "tokenizers"; }

const std::vector<Case>& cases() {
  static const std::vector<Case> all = [] {
    std::vector<Case> out;
    std::ifstream in(tokenizer_dir() / "cases.jsonl");
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.empty()) continue;
      const auto j = nlohmann::json::parse(line);
      out.push_back(Case{line_no, j.at("text").get<std::string>(), j.at("gpt2_ids").get<std::vector<int64_t>>(),
                         j.at("clip_ids").get<std::vector<int64_t>>(), j.at("clip_decoded").get<std::string>()});
    }
    return out;
  }();
  return all;
}

const Gpt2Tokenizer& gpt2() {
  static const Gpt2Tokenizer tokenizer =
      Gpt2Tokenizer::load(tokenizer_dir() / "gpt2-vocab.json", tokenizer_dir() / "gpt2-merges.txt");
  return tokenizer;
}

const ClipTokenizer& clip() {
  static const ClipTokenizer tokenizer =
      ClipTokenizer::load(tokenizer_dir() / "clip-vocab.json", tokenizer_dir() / "clip-merges.txt");
  return tokenizer;
}

std::vector<int64_t> as_ids(const testing::Npy& npy, int64_t row) {
  const int64_t width = npy.shape.back();
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < width; ++i) ids.push_back(static_cast<int64_t>(npy.values[row * width + i]));
  return ids;
}

TEST(GoldenTokenizers, CasesFileIsThere) {
  // 19 reference cases at the time of writing; fewer would mean the file was cut.
  ASSERT_GE(cases().size(), 19u);
}

TEST(Gpt2Golden, EncodeMatchesReferenceOnEveryCase) {
  for (const Case& c : cases()) {
    EXPECT_EQ(gpt2().encode(c.text), c.gpt2_ids) << "cases.jsonl line " << c.line << ": " << c.text;
  }
}

TEST(Gpt2Golden, DecodeOfEncodeGivesTheTextBackOnEveryCase) {
  for (const Case& c : cases()) {
    EXPECT_EQ(gpt2().decode(gpt2().encode(c.text)), c.text) << "cases.jsonl line " << c.line;
    EXPECT_EQ(gpt2().decode(c.gpt2_ids), c.text) << "cases.jsonl line " << c.line;
  }
}

TEST(Gpt2Golden, SpecialIdsAndSizes) {
  EXPECT_EQ(gpt2().eos_id(), 50256);
  EXPECT_EQ(gpt2().vocab_size(), 50257);
  EXPECT_EQ(gpt2().token_bytes(50256), "<|endoftext|>");
  EXPECT_EQ(gpt2().token_bytes(3797), " cat");
  EXPECT_EQ(gpt2().token_bytes(220), " ");
  // Byte tokens stand for raw bytes, not their printable stand-ins: id 0 is "!", id 188 is byte 0x00.
  EXPECT_EQ(gpt2().token_bytes(0), "!");
  EXPECT_EQ(gpt2().token_bytes(188), std::string(1, '\0'));
}

TEST(Gpt2Golden, EndOfTextInTheTextIsOrdinaryText) {
  const std::vector<int64_t> ids = gpt2().encode("<|endoftext|>");
  EXPECT_GT(ids.size(), 1u);
  for (int64_t id : ids) EXPECT_NE(id, gpt2().eos_id());
  EXPECT_EQ(gpt2().decode(ids), "<|endoftext|>");
}

TEST(Gpt2Golden, TinyModelPromptIds) {
  const testing::Npy npy = testing::read_npy(golden_dir() / "tiny-gpt2" / "input_ids_0.npy");
  EXPECT_EQ(gpt2().encode("Image of a"), as_ids(npy, 0));
}

TEST(Gpt2Golden, DecodesTheGreedyContinuationsOfTheEndToEndReference) {
  std::ifstream in(golden_dir() / "e2e" / "expected.json");
  const auto expected = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& [prompt, greedy] : expected.at("greedy").items()) {
    EXPECT_EQ(gpt2().decode(greedy.at("ids").get<std::vector<int64_t>>()), greedy.at("text").get<std::string>())
        << prompt;
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

TEST(Gpt2Golden, DecodeKeepsAPartialCharacterAsBytes) {
  // "日" is three bytes that GPT-2 spells with more than one token: the first token alone is an incomplete
  // UTF-8 sequence, returned as it is.
  const std::string text = "日";
  const std::vector<int64_t> ids = gpt2().encode(text);
  ASSERT_GT(ids.size(), 1u);
  const std::string first = gpt2().decode({ids.front()});
  EXPECT_EQ(first, text.substr(0, first.size()));
  EXPECT_LT(first.size(), text.size());
}

TEST(Gpt2Golden, IdsOutsideTheVocabularyAreRejected) {
  EXPECT_THROW(gpt2().decode({50257}), Error);
  EXPECT_THROW(gpt2().token_bytes(-1), Error);
  try {
    gpt2().token_bytes(1 << 20);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

TEST(ClipGolden, EncodeMatchesReferenceOnEveryCase) {
  for (const Case& c : cases()) {
    EXPECT_EQ(clip().encode(c.text), c.clip_ids) << "cases.jsonl line " << c.line << ": " << c.text;
  }
}

TEST(ClipGolden, DecodeMatchesReferenceOnEveryCase) {
  for (const Case& c : cases()) {
    EXPECT_EQ(clip().decode(c.clip_ids), c.clip_decoded) << "cases.jsonl line " << c.line;
    EXPECT_EQ(clip().decode(clip().encode(c.text)), c.clip_decoded) << "cases.jsonl line " << c.line;
  }
}

TEST(ClipGolden, EncodeIsTheConcatenationOfEncodeWordOverSplitWordsOnEveryCase) {
  for (const Case& c : cases()) {
    std::vector<int64_t> concat;
    for (const std::string& word : clip().split_words(clip().normalize(c.text))) {
      const std::vector<int64_t> ids = clip().encode_word(word);
      EXPECT_FALSE(ids.empty()) << word;
      concat.insert(concat.end(), ids.begin(), ids.end());
    }
    EXPECT_EQ(concat, c.clip_ids) << "cases.jsonl line " << c.line;
  }
}

TEST(ClipGolden, SplitWordsAndNormalizeOnAPlantedSentence) {
  EXPECT_EQ(clip().normalize("  A  MAN\tRides &amp; A Horse!!  "), "a man rides & a horse!!");
  const std::vector<std::string> expected = {"it", "'s", "a", "horse", "!!", "1", "2", "&", "<|endoftext|>"};
  EXPECT_EQ(clip().split_words("it's a horse!! 12 & <|endoftext|>"), expected);
}

TEST(ClipGolden, SpecialIdsAndSizes) {
  EXPECT_EQ(clip().sot_id(), 49406);
  EXPECT_EQ(clip().eot_id(), 49407);
  EXPECT_EQ(clip().vocab_size(), 49408);
  EXPECT_EQ(clip().encode_word("<|startoftext|>"), std::vector<int64_t>{49406});
  EXPECT_EQ(clip().encode_word("<|endoftext|>"), std::vector<int64_t>{49407});
  // In text the special strings are found by the pre-tokenizer, even in upper case (lower-cased first).
  EXPECT_EQ(clip().encode("<|startoftext|>a cat<|ENDOFTEXT|>"), (std::vector<int64_t>{49406, 320, 2368, 49407}));
  EXPECT_EQ(clip().decode({49406, 320, 2368, 49407}), "<|startoftext|>a cat <|endoftext|>");
}

TEST(ClipGolden, EncodeForModelMatchesTheTinyClipInputIds) {
  // input_ids.npy rows: "a photo of a cat", "a man is playing the guitar on stage.", "", "x" * 300,
  // each padded with 0 to 77 after the end token.
  const testing::Npy npy = testing::read_npy(golden_dir() / "tiny-clip" / "input_ids.npy");
  ASSERT_EQ(npy.shape, (std::vector<int64_t>{4, 77}));
  const std::vector<std::string> texts = {"a photo of a cat", "a man is playing the guitar on stage.", "",
                                          std::string(300, 'x')};
  for (size_t row = 0; row < texts.size(); ++row) {
    std::vector<int64_t> ids = clip().encode_for_model(texts[row]);
    ASSERT_LE(ids.size(), 77u);
    ids.resize(77, 0);
    EXPECT_EQ(ids, as_ids(npy, static_cast<int64_t>(row))) << "row " << row;
  }
}

TEST(ClipGolden, EncodeForModelTruncatesWithTheEndTokenLast) {
  ASSERT_FALSE(cases().empty()) << "no cases in " << tokenizer_dir() / "cases.jsonl";
  const Case* longest = &cases().front();
  for (const Case& c : cases()) {
    if (c.clip_ids.size() > longest->clip_ids.size()) longest = &c;
  }
  // The longest case just fits (75 ids + start + end); twice its text does not.
  ASSERT_EQ(longest->clip_ids.size(), 75u);
  std::vector<int64_t> expected = longest->clip_ids;
  expected.insert(expected.begin(), clip().sot_id());
  expected.push_back(clip().eot_id());
  EXPECT_EQ(clip().encode_for_model(longest->text), expected);

  const std::vector<int64_t> ids = clip().encode_for_model(longest->text + " " + longest->text);
  ASSERT_EQ(ids.size(), 77u);
  EXPECT_EQ(ids.front(), clip().sot_id());
  EXPECT_EQ(ids.back(), clip().eot_id());
  EXPECT_EQ(std::vector<int64_t>(ids.begin() + 1, ids.end() - 1),
            std::vector<int64_t>(longest->clip_ids.begin(), longest->clip_ids.begin() + 75));

  // Short text: not padded.
  EXPECT_EQ(clip().encode_for_model("a photo of a cat"),
            (std::vector<int64_t>{49406, 320, 1125, 539, 320, 2368, 49407}));
  // Other context lengths, down to the two special tokens alone.
  EXPECT_EQ(clip().encode_for_model("a photo of a cat", 4), (std::vector<int64_t>{49406, 320, 1125, 49407}));
  EXPECT_EQ(clip().encode_for_model("a photo of a cat", 2), (std::vector<int64_t>{49406, 49407}));
  EXPECT_THROW(clip().encode_for_model("a photo", 1), Error);
}

}  // namespace
}  // namespace vidscribe::text
