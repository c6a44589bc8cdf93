// The text-handling steps against Python's own answers (data/python_reference.jsonl, written by
// make_python_reference.py with Python's html, str and the `regex` package the reference tokenizers use):
// UTF-8 repair, HTML unescaping, CLIP's clean-up and pre-tokenizer, GPT-2's pre-tokenizer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "support/support.h"
#include "text/clip_tokenizer.h"
#include "text/gpt2_tokenizer.h"
#include "text/html_unescape.h"
#include "text/unicode.h"

namespace vidscribe::text {
namespace {

namespace fs = std::filesystem;

std::vector<nlohmann::json> records(const std::string& kind) {
  std::ifstream in(fs::path(VIDSCRIBE_TEXT_TEST_DATA) / "python_reference.jsonl");
  EXPECT_TRUE(in.good()) << "missing " << VIDSCRIBE_TEXT_TEST_DATA << "/python_reference.jsonl";
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.at("kind") == kind) out.push_back(std::move(j));
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

fs::path tokenizer_dir() { return testing::golden_dir() / "tokenizers"; }

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

TEST(PythonReference, Utf8DecodingReplacesLikePython) {
  const auto cases = records("utf8");
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    const std::string bytes = from_hex(c.at("hex"));
    EXPECT_EQ(encode_utf8(decode_utf8(bytes)), c.at("decoded").get<std::string>()) << "bytes " << c.at("hex");
  }
}

TEST(PythonReference, TokenizersEncodeIllFormedUtf8AsItsRepair) {
  // Truncated sequences, overlongs, surrogates, lone continuation bytes: both tokenizers encode the text
  // Python's errors="replace" makes of the bytes (U+FFFD in place of each bad subsequence), and never fail.
  for (const auto& c : records("utf8")) {
    const std::string bytes = "x " + from_hex(c.at("hex")) + " y";
    const std::string repaired = "x " + c.at("decoded").get<std::string>() + " y";
    EXPECT_EQ(gpt2().encode(bytes), gpt2().encode(repaired)) << "bytes " << c.at("hex");
    EXPECT_EQ(gpt2().decode(gpt2().encode(bytes)), repaired) << "bytes " << c.at("hex");
    EXPECT_EQ(clip().encode(bytes), clip().encode(repaired)) << "bytes " << c.at("hex");
    EXPECT_EQ(clip().normalize(bytes), clip().normalize(repaired)) << "bytes " << c.at("hex");
  }
}

TEST(PythonReference, HtmlUnescapeMatchesPython) {
  const auto cases = records("html");
  ASSERT_GE(cases.size(), 50u);
  for (const auto& c : cases) {
    const std::string text = c.at("text");
    EXPECT_EQ(encode_utf8(html_unescape(decode_utf8(text))), c.at("unescaped").get<std::string>()) << text;
  }
}

TEST(PythonReference, ClipNormalizeAndSplitMatchPython) {
  const auto cases = records("clip");
  ASSERT_GE(cases.size(), 40u);
  for (const auto& c : cases) {
    const std::string text = c.at("text");
    const std::string normalized = clip().normalize(text);
    EXPECT_EQ(normalized, c.at("normalized").get<std::string>()) << text;
    EXPECT_EQ(clip().split_words(normalized), c.at("words").get<std::vector<std::string>>()) << text;
  }
}

TEST(PythonReference, Gpt2SplitMatchesPython) {
  const auto cases = records("gpt2");
  ASSERT_GE(cases.size(), 25u);
  for (const auto& c : cases) {
    const std::string text = c.at("text");
    std::vector<std::string> pieces;
    const std::u32string chars = decode_utf8(text);
    for (std::u32string_view piece : gpt2_split(chars)) pieces.push_back(encode_utf8(piece));
    EXPECT_EQ(pieces, c.at("pieces").get<std::vector<std::string>>()) << text;
    EXPECT_EQ(gpt2().decode(gpt2().encode(text)), text);
  }
}

}  // namespace
}  // namespace vidscribe::text
