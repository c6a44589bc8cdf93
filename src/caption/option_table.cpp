#include "caption/option_table.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "text/unicode.h"
#include "vidscribe/error.h"

namespace vidscribe::caption {
namespace {

using json = nlohmann::json;
using Type = OptionSpec::Type;

constexpr double kNoMax = std::numeric_limits<double>::max();
// The largest seed (2^64 - 1; as a double it rounds up to 2^64, so every uint64_t is in range).
constexpr double kUInt64Max = 18446744073709551615.0;

// get/set for a plain field, e.g. FIELD(method.lr_prefix).
#define FIELD(path)                                                               \
  [](const CaptionOptions& o) { return json(o.path); },                           \
      [](CaptionOptions& o, const json& v) { v.get_to(o.path); }

OptionSpec number(std::string name, std::string group, std::string help, Type type, double min, double max,
                  std::function<json(const CaptionOptions&)> get, std::function<void(CaptionOptions&, const json&)> set,
                  bool min_open = false) {
  OptionSpec s;
  s.name = std::move(name);
  s.group = std::move(group);
  s.help = std::move(help);
  s.type = type;
  s.min = min;
  s.max = max;
  s.min_open = min_open;
  s.get = std::move(get);
  s.set = std::move(set);
  return s;
}

OptionSpec other(std::string name, std::string group, std::string help, Type type,
                 std::function<json(const CaptionOptions&)> get, std::function<void(CaptionOptions&, const json&)> set,
                 std::vector<std::string> choices = {}) {
  OptionSpec s;
  s.name = std::move(name);
  s.group = std::move(group);
  s.help = std::move(help);
  s.type = type;
  s.choices = std::move(choices);
  s.get = std::move(get);
  s.set = std::move(set);
  return s;
}

const char* decoding_word(Decoding d) { return d == Decoding::kTopK ? "topk" : "greedy"; }
const char* choice_word(TokenChoice c) { return c == TokenChoice::kLanguageModel ? "lm" : "posterior"; }

std::vector<OptionSpec> make_table() {
  const std::string video = "Video (method.md section 1)";
  const std::string events = "Events (method.md sections 2, 6)";
  const std::string text = "Text (method.md sections 3, 4)";
  const std::string optim = "Optimisation (method.md section 4)";
  const std::string result = "Result (method.md section 5)";
  const Type kInt = Type::kInt, kDouble = Type::kDouble;
  std::vector<OptionSpec> t;

  t.push_back(number("fps", video, "Frames per second of video", kDouble, 0, 1000, FIELD(video.fps), true));
  t.push_back(number("max-frames", video, "At most this many frames per window, evenly spread", kInt, 1, 100000,
                     FIELD(video.max_frames)));
  t.push_back(number("window", video, "Longer videos are captioned window by window (seconds)", kDouble, 1,
                     1e9, FIELD(video.window_s)));
  t.push_back(other("whole", video, "One caption for the whole clip (one fixed mask)", Type::kBool,
                    FIELD(video.whole)));
  t.push_back(number("frame-batch", video, "Frames per CLIP image call (memory, not results)", kInt, 1, 4096,
                     FIELD(video.frame_batch)));

  t.push_back(number("events", events, "Number of events; 0 = from the video's structure", kInt, 0, 1000,
                     FIELD(method.events)));
  t.push_back(number("min-events", events, "Fewest events chosen automatically", kInt, 1, 1000,
                     FIELD(method.min_events)));
  t.push_back(number("max-events", events, "Most events chosen automatically", kInt, 1, 1000,
                     FIELD(method.max_events)));
  t.push_back(number("min-segment", events, "Shortest segment of the structure (seconds)", kDouble, 0, 1e9,
                     FIELD(method.min_segment_s)));
  t.push_back(number("change-window", events, "Seconds of frames compared on each side of a boundary", kDouble, 0,
                     1e9, FIELD(method.change_window_s), true));
  t.push_back(number("change-min-drop", events, "Least dissimilarity 1 - cos of a boundary", kDouble, 0, 2,
                     FIELD(method.change_min_drop)));
  t.push_back(number("change-median-factor", events, "A boundary's dissimilarity must be this many medians",
                     kDouble, 0, 1e6, FIELD(method.change_median_factor)));
  t.push_back(number("min-width", events, "Narrowest mask (frame spacings)", kDouble, 0, 1e6,
                     FIELD(method.min_width_frames), true));
  t.push_back(number("edge-softness", events, "Softness tau of the mask edges (frame spacings)", kDouble, 0, 1e6,
                     FIELD(method.tau_frames), true));

  t.push_back(other("prompt", text, "Hard prompt before each caption", Type::kString, FIELD(method.prompt)));
  t.push_back(number("prefix-length", text, "Learned soft-prompt embeddings per event", kInt, 0, 64,
                     FIELD(method.n_prefix)));
  t.push_back(number("prefix-noise", text, "Std of the seeded noise on the soft prompts' start", kDouble, 0, 10,
                     FIELD(method.prefix_noise_std)));
  t.push_back(number("candidates", text, "Candidate tokens scored by CLIP per token", kInt, 1, 100000,
                     FIELD(method.n_candidates)));
  t.push_back(number("max-tokens", text, "Longest caption (tokens)", kInt, 1, 512, FIELD(method.max_tokens)));
  t.push_back(number("min-tokens", text, "Shortest caption (tokens)", kInt, 0, 512, FIELD(method.min_tokens)));
  t.push_back(number("rounds", text, "Captions generated per event; the best CLIP score is kept", kInt, 1, 100,
                     FIELD(method.rounds)));
  t.push_back(other(
      "token-choice", text,
      "posterior: prefixed LM x CLIP's judgement of each candidate; lm: the prefixed LM only (method.md as written)",
      Type::kChoice,
      [](const CaptionOptions& o) { return json(choice_word(o.method.token_choice)); },
      [](CaptionOptions& o, const json& v) {
        o.method.token_choice = v.get<std::string>() == "lm" ? TokenChoice::kLanguageModel : TokenChoice::kPosterior;
      },
      {"posterior", "lm"}));
  t.push_back(other(
      "decoding", text, "greedy or topk (sampling, seeded)", Type::kChoice,
      [](const CaptionOptions& o) { return json(decoding_word(o.method.decoding)); },
      [](CaptionOptions& o, const json& v) {
        o.method.decoding = v.get<std::string>() == "topk" ? Decoding::kTopK : Decoding::kGreedy;
      },
      {"greedy", "topk"}));
  t.push_back(number("top-k", text, "k of --decoding topk", kInt, 1, 100000, FIELD(method.top_k)));
  t.push_back(number("fusion", text, "Weight of the prefixed LM in p^w q^(1-w)", kDouble, 0, 1,
                     FIELD(method.fusion)));
  t.push_back(number("start-end-factor", text, "\".\" is discouraged by this factor at the first token", kDouble,
                     1, 1e6, FIELD(method.start_end_factor)));
  t.push_back(number("end-factor", text, "\".\" is encouraged by this factor after the first token", kDouble, 1,
                     1e6, FIELD(method.end_factor)));
  t.push_back(number("repetition-penalty", text, "Penalty on recently generated tokens", kDouble, 1, 1e6,
                     FIELD(method.repetition_penalty)));
  t.push_back(number("repetition-window", text, "Tokens the repetition penalty looks back", kInt, 0, 512,
                     FIELD(method.repetition_window)));
  t.push_back(number("no-repeat-ngram", text, "No n-gram of this size repeats (0 = off)", kInt, 0, 512,
                     FIELD(method.no_repeat_ngram)));
  t.push_back(number("forbidden-factor", text, "Penalty on tokens that cannot make plain English", kDouble, 1, 1e6,
                     FIELD(method.forbidden_factor)));

  t.push_back(number("steps", optim, "Adam steps per token", kInt, 0, 1000, FIELD(method.n_steps)));
  t.push_back(number("lr-prefix", optim, "Learning rate of the soft prompts", kDouble, 0, 10,
                     FIELD(method.lr_prefix)));
  t.push_back(number("lr-w", optim, "Learning rate of the moment projection W; 0 = lr-prefix * sqrt(pi / 2D)", kDouble, 0, 10,
                     FIELD(method.lr_w)));
  t.push_back(number("lr-mask", optim, "Learning rate of the moment masks", kDouble, 0, 10, FIELD(method.lr_mask)));
  t.push_back(number("lambda-vision", optim, "Weight of the vision loss", kDouble, 0, 1e6,
                     FIELD(method.lambda_vision)));
  t.push_back(number("lambda-fluency", optim, "Weight of the fluency loss", kDouble, 0, 1e6,
                     FIELD(method.lambda_fluency)));
  t.push_back(number("lambda-iou", optim, "Weight of the pairwise temporal IoU loss", kDouble, 0, 1e6,
                     FIELD(method.lambda_iou)));
  t.push_back(number("clip-temperature", optim,
                     "Temperature of CLIP's softmax over candidates; 0 = the CLIP model's own (OpenAI's: 0.01), else >= 0.0001",
                     kDouble, 0, 100, FIELD(method.clip_temperature)));
  t.push_back(number("seed", optim, "Seed of everything random; same seed and input, same output", Type::kUInt, 0,
                     kUInt64Max, FIELD(method.seed)));

  t.push_back(number("duplicate-tiou", result, "Events with the same caption and a tIoU above this are one",
                     kDouble, 0, 1, FIELD(method.duplicate_tiou)));
  t.push_back(other("merge-same-captions", result, "Touching or overlapping events with the same caption merge",
                    Type::kBool, FIELD(method.merge_same_captions)));
  t.push_back(other("refit-edges", result, "Event edges re-fitted to the frames each caption describes",
                    Type::kBool, FIELD(method.refit_edges)));
  return t;
}

#undef FIELD

[[noreturn]] void bad(const OptionSpec& spec, const std::string& why) {
  throw Error(ErrorCode::kInvalidArgument, "--" + spec.name + ": " + why);
}

std::string format_number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

// Bounded excerpt of a user's word for messages.
std::string quoted(const std::string& word) {
  std::string w = word.size() > 40 ? word.substr(0, 40) + "..." : word;
  for (char& ch : w) {
    if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f) ch = '?';
  }
  return "'" + w + "'";
}

}  // namespace

std::string OptionSpec::key() const {
  std::string k = name;
  for (char& ch : k) {
    if (ch == '-') ch = '_';
  }
  return k;
}

std::string OptionSpec::range_text() const {
  switch (type) {
    case Type::kInt:
    case Type::kUInt:
    case Type::kDouble: {
      if (min_open && max >= kNoMax / 2) return "> " + format_number(min);
      if (type == Type::kUInt && max >= kUInt64Max) return "in [" + format_number(min) + ", 18446744073709551615]";
      return "in " + std::string(min_open ? "(" : "[") + format_number(min) + ", " + format_number(max) + "]";
    }
    case Type::kChoice: {
      std::string s = "one of ";
      for (size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : "") + choices[i];
      return s;
    }
    case Type::kBool:
    case Type::kString:
      return "";
  }
  return "";
}

const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = make_table();
  return table;
}

const OptionSpec* find_option(const std::string& name) {
  for (const auto& spec : option_table()) {
    if (spec.name == name || spec.key() == name) return &spec;
  }
  return nullptr;
}

void check_value(const OptionSpec& spec, const json& value) {
  switch (spec.type) {
    case Type::kInt:
    case Type::kUInt:
    case Type::kDouble: {
      if (!value.is_number()) bad(spec, "expected a number");
      if (spec.type != Type::kDouble && !value.is_number_integer()) bad(spec, "expected a whole number");
      const double x = value.get<double>();
      if (!std::isfinite(x)) bad(spec, "must be finite");
      const bool below = spec.min_open ? !(x > spec.min) : !(x >= spec.min);
      if (below || !(x <= spec.max)) bad(spec, format_number(x) + " is not " + spec.range_text());
      if (spec.type == Type::kUInt && value.is_number_integer() && !value.is_number_unsigned() &&
          value.get<int64_t>() < 0) {
        bad(spec, "must not be negative");
      }
      return;
    }
    case Type::kBool:
      if (!value.is_boolean()) bad(spec, "expected true or false");
      return;
    case Type::kString:
      if (!value.is_string()) bad(spec, "expected text");
      if (!text::is_valid_utf8(value.get<std::string>())) bad(spec, "is not valid UTF-8");
      if (value.get<std::string>().size() > 4096) bad(spec, "is longer than 4096 bytes");
      return;
    case Type::kChoice: {
      if (!value.is_string()) bad(spec, "expected " + spec.range_text());
      for (const auto& c : spec.choices) {
        if (value.get<std::string>() == c) return;
      }
      bad(spec, quoted(value.get<std::string>()) + " is not " + spec.range_text());
    }
  }
}

json parse_value(const OptionSpec& spec, const std::string& word) {
  json value;
  switch (spec.type) {
    case Type::kInt:
    case Type::kUInt: {
      if (word.empty() || word.find_first_not_of("+-0123456789") != std::string::npos) {
        bad(spec, quoted(word) + " is not a whole number");
      }
      errno = 0;
      char* end = nullptr;
      if (spec.type == Type::kUInt) {
        if (word[0] == '-') bad(spec, "must not be negative");
        const unsigned long long x = std::strtoull(word.c_str(), &end, 10);
        if (errno == ERANGE || *end != '\0') bad(spec, quoted(word) + " is out of range");
        value = static_cast<uint64_t>(x);
      } else {
        const long long x = std::strtoll(word.c_str(), &end, 10);
        if (errno == ERANGE || *end != '\0') bad(spec, quoted(word) + " is out of range");
        if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) {
          bad(spec, quoted(word) + " is not " + spec.range_text());
        }
        value = static_cast<int64_t>(x);
      }
      break;
    }
    case Type::kDouble: {
      errno = 0;
      char* end = nullptr;
      // Decimal only: strtod would also read hexadecimal, "nan" and "infinity".
      const bool decimal = !word.empty() && word.find_first_not_of("+-.0123456789eE") == std::string::npos;
      const double x = decimal ? std::strtod(word.c_str(), &end) : 0;
      if (!decimal || end == nullptr || *end != '\0') bad(spec, quoted(word) + " is not a number");
      if (!std::isfinite(x) || errno == ERANGE) bad(spec, quoted(word) + " is not a finite number");
      value = x;
      break;
    }
    case Type::kBool:
      if (word == "true" || word == "on" || word == "1") {
        value = true;
      } else if (word == "false" || word == "off" || word == "0") {
        value = false;
      } else {
        bad(spec, quoted(word) + " is not true or false");
      }
      break;
    case Type::kString:
    case Type::kChoice:
      value = word;
      break;
  }
  check_value(spec, value);
  return value;
}

json options_record(const CaptionOptions& options) {
  json record = json::object();
  for (const auto& spec : option_table()) record[spec.key()] = spec.get(options);
  return record;
}

CaptionOptions options_from_record(const json& record) {
  if (!record.is_object()) throw Error(ErrorCode::kInvalidArgument, "an options record must be a JSON object");
  CaptionOptions options;
  for (const auto& [key, value] : record.items()) {
    const OptionSpec* spec = find_option(key);
    if (spec == nullptr) {
      throw Error(ErrorCode::kInvalidArgument, "unknown option " + quoted(key) + " in an options record");
    }
    check_value(*spec, value);
    spec->set(options, value);
  }
  validate(options);
  return options;
}

void validate(const CaptionOptions& options) {
  for (const auto& spec : option_table()) check_value(spec, spec.get(options));
  const MethodOptions& m = options.method;
  if (m.min_events > m.max_events) {
    throw Error(ErrorCode::kInvalidArgument, "--min-events " + std::to_string(m.min_events) +
                                                 " is above --max-events " + std::to_string(m.max_events));
  }
  if (m.min_tokens > m.max_tokens) {
    throw Error(ErrorCode::kInvalidArgument, "--min-tokens " + std::to_string(m.min_tokens) +
                                                 " is above --max-tokens " + std::to_string(m.max_tokens));
  }
  // cos / temperature over [-1, 1] must stay far from float's range: 1e-300 turned every score into inf.
  if (m.clip_temperature != 0 && m.clip_temperature < 1e-4) {
    throw Error(ErrorCode::kInvalidArgument, "--clip-temperature: " + format_number(m.clip_temperature) +
                                                 " is neither 0 (the model's own) nor at least 0.0001");
  }
}

}  // namespace vidscribe::caption
