// The evaluation's JSON loaders: references and submissions (nesting, huge numbers, wrong types, UTF-8).
#include "eval/densevid.h"
#include "harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  vidscribe::fuzz::run([&] { vidscribe::eval::parse_references(text, "references"); });
  vidscribe::fuzz::run([&] { vidscribe::eval::parse_submission(text, "submission", 3); });
  return 0;
}
