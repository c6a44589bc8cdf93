#include "caption/option_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "vidscribe/error.h"

namespace vidscribe::caption {
namespace {

// The error a call throws, or "" when it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    return e.what();
  }
  return "";
}

TEST(OptionTableTest, RecordHoldsEveryOptionOfTheTableAndNothingElse) {
  std::set<std::string> table_keys;
  for (const auto& spec : option_table()) {
    EXPECT_TRUE(table_keys.insert(spec.key()).second) << "twice in the table: " << spec.name;
    EXPECT_FALSE(spec.help.empty()) << spec.name;
    EXPECT_EQ(find_option(spec.name), &spec);
  }
  std::set<std::string> record_keys;
  const nlohmann::json record = options_record(CaptionOptions{});
  for (const auto& [key, value] : record.items()) record_keys.insert(key);
  EXPECT_EQ(record_keys, table_keys);
  // What the first version left out of --help and the record.
  for (const char* name : {"min-width", "edge-softness", "change-window", "change-min-drop", "change-median-factor",
                           "prefix-noise", "start-end-factor", "end-factor", "repetition-window", "forbidden-factor",
                           "duplicate-tiou", "frame-batch", "lr-w", "clip-temperature", "token-choice"}) {
    EXPECT_NE(find_option(name), nullptr) << name;
  }
  EXPECT_EQ(find_option("no-such-option"), nullptr);
}

TEST(OptionTableTest, RecordRoundTripsDefaultsAndChangedValues) {
  const CaptionOptions defaults;
  EXPECT_EQ(options_record(options_from_record(options_record(defaults))), options_record(defaults));
  CaptionOptions changed;
  changed.video.fps = 2.5;
  changed.video.whole = true;
  changed.method.events = 4;
  changed.method.seed = 18446744073709551615ull;
  changed.method.prompt = "Ein Video von";
  changed.method.decoding = Decoding::kTopK;
  changed.method.token_choice = TokenChoice::kLanguageModel;
  changed.method.refit_edges = false;
  changed.method.lr_w = 0.001;
  const auto record = options_record(changed);
  EXPECT_EQ(record["decoding"], "topk");
  EXPECT_EQ(record["token_choice"], "lm");
  const CaptionOptions back = options_from_record(record);
  EXPECT_EQ(options_record(back), record);
  EXPECT_EQ(back.method.seed, changed.method.seed);
  EXPECT_EQ(back.method.prompt, changed.method.prompt);
  EXPECT_DOUBLE_EQ(back.video.fps, 2.5);
  // A record with only some keys is the defaults plus those.
  const CaptionOptions some = options_from_record({{"events", 2}});
  EXPECT_EQ(some.method.events, 2);
  EXPECT_EQ(some.method.n_candidates, defaults.method.n_candidates);
}

TEST(OptionTableTest, ParseValueRejectsWhatIsNotANumberInRange) {
  const OptionSpec& fps = *find_option("fps");
  EXPECT_DOUBLE_EQ(parse_value(fps, "2.5").get<double>(), 2.5);
  for (const char* word : {"nan", "NaN", "inf", "-inf", "1e400", "abc", "", "2.5x", " ", "0x10", "0", "-1", "1001"}) {
    const std::string message = error_of([&] { parse_value(fps, word); });
    EXPECT_EQ(message.rfind("--fps:", 0), 0u) << "'" << word << "' gave: " << message;
  }
  const OptionSpec& events = *find_option("events");
  EXPECT_EQ(parse_value(events, "3").get<int64_t>(), 3);
  for (const char* word : {"3.5", "-1", "1001", "99999999999999999999", "3 ", "three"}) {
    EXPECT_NE(error_of([&] { parse_value(events, word); }), "") << word;
  }
  const OptionSpec& seed = *find_option("seed");
  EXPECT_EQ(parse_value(seed, "18446744073709551615").get<uint64_t>(), 18446744073709551615ull);
  EXPECT_NE(error_of([&] { parse_value(seed, "18446744073709551616"); }), "");
  EXPECT_NE(error_of([&] { parse_value(seed, "-1"); }), "");
  const OptionSpec& decoding = *find_option("decoding");
  EXPECT_EQ(parse_value(decoding, "topk"), "topk");
  EXPECT_NE(error_of([&] { parse_value(decoding, "beam"); }).find("greedy"), std::string::npos);
  const OptionSpec& prompt = *find_option("prompt");
  EXPECT_EQ(parse_value(prompt, "Une vid\xc3\xa9o de"), "Une vid\xc3\xa9o de");
  EXPECT_NE(error_of([&] { parse_value(prompt, "bad \xff byte"); }).find("UTF-8"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_value(prompt, std::string(5000, 'a')); }), "");
}

TEST(OptionTableTest, RecordAndValidateRejectBadValues) {
  EXPECT_NE(error_of([] { options_from_record({{"no_such_key", 1}}); }).find("no_such_key"), std::string::npos);
  EXPECT_NE(error_of([] { options_from_record({{"events", "three"}}); }).find("events"), std::string::npos);
  EXPECT_NE(error_of([] { options_from_record({{"events", 2.5}}); }), "");
  EXPECT_NE(error_of([] { options_from_record({{"fps", -1}}); }), "");
  EXPECT_NE(error_of([] { options_from_record({{"whole", 1}}); }), "");
  EXPECT_NE(error_of([] { options_from_record(nlohmann::json::array()); }), "");
  CaptionOptions options;
  EXPECT_EQ(error_of([&] { validate(options); }), "");
  options.method.min_events = 5;
  options.method.max_events = 3;
  EXPECT_NE(error_of([&] { validate(options); }).find("min-events"), std::string::npos);
  options = CaptionOptions{};
  options.method.min_tokens = 20;
  EXPECT_NE(error_of([&] { validate(options); }), "");
  options = CaptionOptions{};
  options.method.clip_temperature = 1e-300;
  EXPECT_NE(error_of([&] { validate(options); }).find("clip-temperature"), std::string::npos);
  options.method.clip_temperature = 0.01;
  EXPECT_EQ(error_of([&] { validate(options); }), "");
  options = CaptionOptions{};
  options.method.lr_prefix = std::nan("");
  EXPECT_NE(error_of([&] { validate(options); }).find("lr-prefix"), std::string::npos);
}

}  // namespace
}  // namespace vidscribe::caption
