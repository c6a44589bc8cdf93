// Loading from files: planted tiny vocabularies (BPE order, end-of-word marker, line endings) and every way the
// files can be missing or broken, plus concurrent use of one tokenizer.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/support.h"
#include "text/bpe.h"
#include "text/clip_tokenizer.h"
#include "text/gpt2_tokenizer.h"
#include "text/unicode.h"

namespace vidscribe::text {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A token's bytes as the files spell them (each byte by its printable stand-in).
std::string file_form(const std::string& bytes) {
  std::string out;
  for (unsigned char b : bytes) append_utf8(out, byte_to_unicode()[b]);
  return out;
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// vocab.json with ids in the order given.
std::string vocab_json(const std::vector<std::string>& tokens) {
  std::string out = "{";
  for (size_t i = 0; i < tokens.size(); ++i) {
    out += (i ? ", " : "") + json_quote(file_form(tokens[i])) + ": " + std::to_string(i);
  }
  return out + "}";
}

std::vector<std::string> byte_tokens(const std::string& suffix = "") {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.push_back(std::string(1, static_cast<char>(b)) + suffix);
  return tokens;
}

// GPT-2-like: 256 bytes (id = byte), then "bc" 256, "ab" 257, "aa" 258, "aaaa" 259, "<|endoftext|>" 260.
struct TinyGpt2 {
  TempDir dir;
  fs::path vocab = dir / "vocab.json";
  fs::path merges = dir / "merges.txt";
  TinyGpt2() {
    auto tokens = byte_tokens();
    for (const char* t : {"bc", "ab", "aa", "aaaa", "<|endoftext|>"}) tokens.push_back(t);
    write(vocab, vocab_json(tokens));
    write(merges, "#version: 0.2\nb c\na b\na a\naa aa\n");
  }
};

// CLIP-like: 256 bytes, 256 "<byte></w>", then "ca" 512, "cat</w>" 513, "<|startoftext|>" 514, "<|endoftext|>" 515.
struct TinyClip {
  TempDir dir;
  fs::path vocab = dir / "vocab.json";
  fs::path merges = dir / "merges.txt";
  TinyClip() {
    auto tokens = byte_tokens();
    for (const std::string& t : byte_tokens("</w>")) tokens.push_back(t);
    for (const char* t : {"ca", "cat</w>", "<|startoftext|>", "<|endoftext|>"}) tokens.push_back(t);
    write(vocab, vocab_json(tokens));
    write(merges, "#version: 0.2\nc a\nca t</w>\n");
  }
};

// Runs `load` and returns the error it throws (fails the test if none).
template <typename Fn>
Error error_of(Fn load) {
  try {
    load();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error thrown";
  return Error(ErrorCode::kInternal, "");
}

TEST(PlantedBpe, MergesTheBestRankedPairFirstAndEveryOccurrence) {
  TinyGpt2 files;
  const auto tokenizer = Gpt2Tokenizer::load(files.vocab, files.merges);
  EXPECT_EQ(tokenizer.vocab_size(), 261);
  EXPECT_EQ(tokenizer.eos_id(), 260);
  // "b c" outranks "a b": a|bc, not ab|c.
  EXPECT_EQ(tokenizer.encode("abc"), (std::vector<int64_t>{'a', 256}));
  // "a a" merges every occurrence left to right: aa|a, and aa|aa -> aaaa.
  EXPECT_EQ(tokenizer.encode("aaa"), (std::vector<int64_t>{258, 'a'}));
  EXPECT_EQ(tokenizer.encode("aaaa"), (std::vector<int64_t>{259}));
  EXPECT_EQ(tokenizer.encode("abab"), (std::vector<int64_t>{257, 257}));
  // Pieces are encoded apart ("ab", " ab"); no merge takes the space, so it stays a token of its own.
  EXPECT_EQ(tokenizer.encode("ab ab"), (std::vector<int64_t>{257, ' ', 257}));
  EXPECT_EQ(tokenizer.encode("b cab"), (std::vector<int64_t>{'b', ' ', 'c', 257}));
  EXPECT_EQ(tokenizer.decode({257, ' ', 259}), "ab aaaa");
}

TEST(PlantedBpe, ClipWordsEndWithTheEndOfWordMarker) {
  TinyClip files;
  const auto tokenizer = ClipTokenizer::load(files.vocab, files.merges);
  EXPECT_EQ(tokenizer.sot_id(), 514);
  EXPECT_EQ(tokenizer.eot_id(), 515);
  EXPECT_EQ(tokenizer.encode("Cat CAT cat"), (std::vector<int64_t>{513, 513, 513}));
  // "cats": the last symbol is "s</w>", so "ca t</w>" cannot apply: ca|t|s</w>.
  EXPECT_EQ(tokenizer.encode("cats"), (std::vector<int64_t>{512, 't', 256 + 's'}));
  EXPECT_EQ(tokenizer.encode_word("a"), (std::vector<int64_t>{256 + 'a'}));
  EXPECT_EQ(tokenizer.decode({514, 513, 512, 't', 256 + 's', 515}), "<|startoftext|>cat cats <|endoftext|>");
  EXPECT_EQ(tokenizer.encode_for_model("cat"), (std::vector<int64_t>{514, 513, 515}));
}

TEST(PlantedBpe, ClipDecodeReplacesIllFormedUtf8) {
  TinyClip files;
  const auto tokenizer = ClipTokenizer::load(files.vocab, files.merges);
  // Byte 0xC3 alone then "a</w>": U+FFFD for the truncated sequence, as the reference's errors="replace".
  EXPECT_EQ(tokenizer.decode({0xC3, 256 + 'a'}), "\xEF\xBF\xBD" "a ");
}

TEST(PlantedBpe, WindowsLineEndingsAndNoVersionLineAreAccepted) {
  TinyGpt2 files;
  write(files.merges, "b c\r\na b\r\na a\r\naa aa\r\n\r\n");
  const auto tokenizer = Gpt2Tokenizer::load(files.vocab, files.merges);
  EXPECT_EQ(tokenizer.encode("abc aaaa"), (std::vector<int64_t>{'a', 256, ' ', 259}));
}

TEST(TokenizerFiles, MissingFilesAreNotFoundAndNamed) {
  TinyGpt2 files;
  const fs::path absent = files.dir / "absent.json";
  Error e = error_of([&] { Gpt2Tokenizer::load(absent, files.merges); });
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_NE(std::string(e.what()).find("absent.json"), std::string::npos) << e.what();

  TinyClip clip_files;
  e = error_of([&] { ClipTokenizer::load(clip_files.vocab, clip_files.dir / "no-merges.txt"); });
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_NE(std::string(e.what()).find("no-merges.txt"), std::string::npos) << e.what();
}

TEST(TokenizerFiles, MalformedVocabularyIsACorruptModelNamingTheFile) {
  const std::vector<std::string> broken = {
      "{\"a\": 1,",            // truncated JSON
      "",                      // empty file
      "[1, 2, 3]",             // not an object
      "{\"a\": \"x\"}",        // id not an integer
  };
  for (const std::string& text : broken) {
    TinyGpt2 files;
    write(files.vocab, text);
    const Error e = error_of([&] { Gpt2Tokenizer::load(files.vocab, files.merges); });
    EXPECT_EQ(e.code(), ErrorCode::kCorruptModel) << text;
    EXPECT_NE(std::string(e.what()).find(files.vocab.string()), std::string::npos) << e.what();
  }
}

TEST(TokenizerFiles, InconsistentVocabularyIsACorruptModel) {
  auto tokens = byte_tokens();
  tokens.push_back("<|endoftext|>");
  std::string duplicate_id = vocab_json(tokens);
  duplicate_id.insert(duplicate_id.size() - 1, ", \"zz\": 3");
  std::string out_of_range = vocab_json(tokens);
  out_of_range.insert(out_of_range.size() - 1, ", \"zz\": 9999");
  std::vector<std::string> missing_byte_tokens(tokens.begin() + 1, tokens.end());
  std::vector<std::string> no_eos(tokens.begin(), tokens.end() - 1);
  for (const std::string& text : {duplicate_id, out_of_range, vocab_json(missing_byte_tokens), vocab_json(no_eos)}) {
    TinyGpt2 files;
    write(files.vocab, text);
    write(files.merges, "#version: 0.2\n");
    const Error e = error_of([&] { Gpt2Tokenizer::load(files.vocab, files.merges); });
    EXPECT_EQ(e.code(), ErrorCode::kCorruptModel);
    EXPECT_NE(std::string(e.what()).find("vocab.json"), std::string::npos) << e.what();
  }
}

TEST(TokenizerFiles, ClipVocabularyNeedsItsSpecialTokens) {
  TinyClip files;
  auto tokens = byte_tokens();
  for (const std::string& t : byte_tokens("</w>")) tokens.push_back(t);
  write(files.vocab, vocab_json(tokens));
  write(files.merges, "");
  const Error e = error_of([&] { ClipTokenizer::load(files.vocab, files.merges); });
  EXPECT_EQ(e.code(), ErrorCode::kCorruptModel);
  EXPECT_NE(std::string(e.what()).find("startoftext"), std::string::npos) << e.what();
}

TEST(TokenizerFiles, MalformedMergesLineIsACorruptModelNamingFileAndLine) {
  const std::vector<std::string> broken_third_line = {"a b c", "ab", " ab", "ab ", "", "x y"};
  for (const std::string& line : broken_third_line) {
    TinyGpt2 files;
    write(files.merges, "#version: 0.2\nb c\n" + line + "\na a\n");
    const Error e = error_of([&] { Gpt2Tokenizer::load(files.vocab, files.merges); });
    EXPECT_EQ(e.code(), ErrorCode::kCorruptModel) << line;
    const std::string message = e.what();
    EXPECT_NE(message.find(files.merges.string()), std::string::npos) << message;
    EXPECT_NE(message.find("line 3"), std::string::npos) << message;
  }
}

TEST(TokenizerFiles, AnEmptyTokenizerRefusesWork) {
  const Gpt2Tokenizer gpt2;
  const ClipTokenizer clip;
  EXPECT_EQ(gpt2.vocab_size(), 0);
  EXPECT_EQ(clip.vocab_size(), 0);
  EXPECT_EQ(error_of([&] { gpt2.encode("x"); }).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { gpt2.decode({1}); }).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { clip.encode("x"); }).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { clip.encode_word("x"); }).code(), ErrorCode::kInvalidArgument);
}

TEST(BpeCache, StaysBoundedAndCorrectPastItsCapacity) {
  BpeCache cache;
  for (size_t i = 0; i <= BpeCache::kMaxEntries; ++i) cache.insert(std::to_string(i), {static_cast<int64_t>(i)});
  std::vector<int64_t> ids;
  // The insert that found the cache full emptied it first: the last word is there, the first is gone.
  EXPECT_TRUE(cache.lookup(std::to_string(BpeCache::kMaxEntries), ids));
  EXPECT_EQ(ids, std::vector<int64_t>{static_cast<int64_t>(BpeCache::kMaxEntries)});
  EXPECT_FALSE(cache.lookup("0", ids));
}

TEST(Concurrency, OneTokenizerSharedByThreadsGivesTheSingleThreadedIds) {
  const fs::path dir = testing::golden_dir() / "tokenizers";
  const auto reference = ClipTokenizer::load(dir / "clip-vocab.json", dir / "clip-merges.txt");
  const auto shared = ClipTokenizer::load(dir / "clip-vocab.json", dir / "clip-merges.txt");
  // Many distinct words, so that threads fill the shared cache while others read it.
  std::vector<std::string> texts;
  for (int i = 0; i < 400; ++i) {
    texts.push_back("a person number " + std::to_string(i * 7919) + " walks their dog" + std::string(i % 13, 'z') +
                    " past the " + std::to_string(i) + "th building&amp;house");
  }
  std::vector<std::vector<int64_t>> expected;
  for (const std::string& t : texts) expected.push_back(reference.encode(t));

  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          const size_t k = (i * (t + 1) + round) % texts.size();
          if (shared.encode(texts[k]) != expected[k]) ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}


TEST(RandomInput, ArbitraryBytesAreRepairedAndNeverBreakEitherTokenizer) {
  // Fixed-seed random byte strings biased towards what parsers trip on: UTF-8 lead and continuation bytes,
  // '&', '#', ';', quotes, digits, spaces. Under the sanitizer build this is also a memory-safety check.
  const fs::path dir = testing::golden_dir() / "tokenizers";
  const auto gpt2 = Gpt2Tokenizer::load(dir / "gpt2-vocab.json", dir / "gpt2-merges.txt");
  const auto clip = ClipTokenizer::load(dir / "clip-vocab.json", dir / "clip-merges.txt");
  const std::string alphabet = "&#;x'sS 1aZ\t<|>\xC3\xA9\xE6\x97\xA5\xF0\x9F\x8E\xB8\xED\xA0\x80\xC0\xFF\x80\xBF";
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 24, ' ');
    for (char& c : bytes) c = rng() % 4 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    const std::string repaired = encode_utf8(decode_utf8(bytes));
    EXPECT_EQ(decode_utf8(repaired), decode_utf8(bytes));  // repair is idempotent
    EXPECT_EQ(gpt2.decode(gpt2.encode(bytes)), repaired);
    std::vector<int64_t> concat;
    for (const std::string& word : clip.split_words(clip.normalize(bytes))) {
      const std::vector<int64_t> ids = clip.encode_word(word);
      concat.insert(concat.end(), ids.begin(), ids.end());
    }
    EXPECT_EQ(clip.encode(bytes), concat);
    const std::vector<int64_t> for_model = clip.encode_for_model(bytes, 16);
    ASSERT_GE(for_model.size(), 2u);
    EXPECT_LE(for_model.size(), 16u);
    EXPECT_EQ(for_model.back(), clip.eot_id());
  }
}

}  // namespace
}  // namespace vidscribe::text
