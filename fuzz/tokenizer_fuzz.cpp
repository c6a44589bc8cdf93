// Both BPE tokenizers' loaders (vocab.json + merges.txt) and, when they load, encoding. The input is split at
// its first NUL byte: vocab.json before it, merges.txt after.
#include "harness.h"
#include "text/clip_tokenizer.h"
#include "text/gpt2_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t cut = input.find('\0');
  const std::string vocab = input.substr(0, cut);
  const std::string merges = cut == std::string::npos ? std::string("#version: 0.2\n") : input.substr(cut + 1);
  const auto vocab_path = vidscribe::fuzz::as_file(vocab, "vocab.json");
  const auto merges_path = vidscribe::fuzz::as_file(merges, "merges.txt");
  vidscribe::fuzz::run([&] {
    const auto t = vidscribe::text::ClipTokenizer::load(vocab_path, merges_path);
    t.encode("A video of a cat, 42 caf\xc3\xa9s.");
  });
  vidscribe::fuzz::run([&] {
    const auto t = vidscribe::text::Gpt2Tokenizer::load(vocab_path, merges_path);
    t.encode(" a red circle\n\xe2\x80\x94 ok");
  });
  return 0;
}
