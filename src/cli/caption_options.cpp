#include "cli/caption_options.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>

#include "vidscribe/vidscribe.h"

namespace vidscribe::cli {

void add_caption_options(CLI::App& app, CaptionOptions& options) {
  for (const OptionInfo& o : caption_options()) {
    const auto name = std::make_shared<const std::string>(o.name);
    if (o.type == "bool") {
      const bool on = o.default_value == "true";
      app.add_flag_function(
             "--" + o.name, [&options, name](std::int64_t) { set_option(options, *name, "true"); },
             o.help + (on ? " (default: on)" : " (default: off)"))
          ->group(o.group);
      app.add_flag_function(
             "--no-" + o.name, [&options, name](std::int64_t) { set_option(options, *name, "false"); },
             "Turns --" + o.name + " off")
          ->group(o.group);
      continue;
    }
    std::string help = o.help;
    if (!o.range.empty() && o.type != "choice") help += " (" + o.range + ")";
    const nlohmann::json value = nlohmann::json::parse(o.default_value);  // a string's quotes are not typed
    const std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
    app.add_option_function<std::string>(
           "--" + o.name, [&options, name](const std::string& word) { set_option(options, *name, word); }, help)
        ->default_str(shown)
        ->type_name(o.type == "choice" ? "{" + o.range.substr(7) + "}"
                    : o.type == "text"  ? "TEXT"
                    : o.type == "float" ? "FLOAT"
                                        : "INT")
        ->group(o.group);
  }
}

}  // namespace vidscribe::cli
