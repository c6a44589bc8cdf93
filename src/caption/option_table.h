// The one table of captioning options (vidscribe::CaptionOptions): the command line's flags and --help, the
// "options" record of every output and the validation of every value are generated from it, so that they
// cannot disagree with the structs or with each other.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "vidscribe/options.h"

namespace vidscribe::caption {

struct OptionSpec {
  enum class Type { kInt, kUInt, kDouble, kBool, kString, kChoice };

  std::string name;   // "lr-prefix": the flag --lr-prefix; the record key is key() ("lr_prefix")
  std::string group;  // heading in --help
  std::string help;   // one line; the default is added by the command line
  Type type = Type::kDouble;
  // Numeric range, inclusive (kInt, kUInt, kDouble); kDouble values must also be finite. min_open makes
  // the lower bound exclusive ("> 0").
  double min = 0;
  double max = 0;
  bool min_open = false;
  std::vector<std::string> choices;  // kChoice: the accepted words, in the order --help lists them
  // The value as JSON (number, bool, string or the choice's word) and back. set() takes values that
  // parse_value or the record produced; it does not range-check (validate does).
  std::function<nlohmann::json(const CaptionOptions&)> get;
  std::function<void(CaptionOptions&, const nlohmann::json&)> set;

  std::string key() const;             // name with '-' replaced by '_'
  std::string range_text() const;      // "in [1, 1000]", "> 0", "one of greedy, topk"; empty for strings
};

// Every option, grouped as --help shows them.
const std::vector<OptionSpec>& option_table();

// The option named `name` (flag spelling, without dashes), or nullptr.
const OptionSpec* find_option(const std::string& name);

// Parses a command-line word for `spec` into its JSON value. Throws vidscribe::Error(kInvalidArgument)
// "--NAME: ..." when the word is not a number of the right kind, is out of range, not finite, not one of
// the choices, or (strings) not valid UTF-8.
nlohmann::json parse_value(const OptionSpec& spec, const std::string& word);

// Checks one value against its spec (type, range, finiteness, choices, UTF-8); the message names the flag.
void check_value(const OptionSpec& spec, const nlohmann::json& value);

// {"fps": 1.0, "events": 0, ...}: every option's value, keys as OptionSpec::key().
nlohmann::json options_record(const CaptionOptions& options);

// The options a record describes: the defaults with every key of `record` applied. Throws kInvalidArgument
// for an unknown key or a value of the wrong type or out of range.
CaptionOptions options_from_record(const nlohmann::json& record);

// Every value in range, plus the rules that tie options together (min_events <= max_events,
// min_tokens <= max_tokens). Throws vidscribe::Error(kInvalidArgument) naming the first bad option.
void validate(const CaptionOptions& options);

}  // namespace vidscribe::caption
