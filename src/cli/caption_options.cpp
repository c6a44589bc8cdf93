#include "cli/caption_options.h"

#include <CLI/CLI.hpp>

#include "caption/option_table.h"

namespace vidscribe::cli {

void add_caption_options(CLI::App& app, CaptionOptions& options) {
  const CaptionOptions defaults;
  for (const caption::OptionSpec& spec : caption::option_table()) {
    const nlohmann::json value = spec.get(defaults);
    if (spec.type == caption::OptionSpec::Type::kBool) {
      const bool on = value.get<bool>();
      app.add_flag_function(
             "--" + spec.name, [&options, &spec](std::int64_t) { spec.set(options, nlohmann::json(true)); },
             spec.help + (on ? " (default: on)" : " (default: off)"))
          ->group(spec.group);
      app.add_flag_function(
             "--no-" + spec.name, [&options, &spec](std::int64_t) { spec.set(options, nlohmann::json(false)); },
             "Turns --" + spec.name + " off")
          ->group(spec.group);
      continue;
    }
    std::string help = spec.help;
    const std::string range = spec.range_text();
    if (!range.empty() && spec.type != caption::OptionSpec::Type::kChoice) help += " (" + range + ")";
    app.add_option_function<std::string>(
           "--" + spec.name,
           [&options, &spec](const std::string& word) { spec.set(options, caption::parse_value(spec, word)); }, help)
        ->default_str(value.is_string() ? value.get<std::string>() : value.dump())
        ->type_name(spec.type == caption::OptionSpec::Type::kChoice ? "{" + range.substr(7) + "}"
                    : spec.type == caption::OptionSpec::Type::kString ? "TEXT"
                    : spec.type == caption::OptionSpec::Type::kDouble ? "FLOAT"
                                                                      : "INT")
        ->group(spec.group);
  }
}

}  // namespace vidscribe::cli
