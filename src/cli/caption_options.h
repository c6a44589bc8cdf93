// Adds every captioning option of the one option table (vidscribe::caption_options(), generated from
// caption/option_table.h) to a subcommand, so that `caption`, `batch` and every other command that captions
// take the same flags with the same defaults.
#pragma once

#include "vidscribe/options.h"

namespace CLI {
class App;
}

namespace vidscribe::cli {

// Adds --fps, --events, ... (one flag per table entry, grouped, each with its default and range in --help)
// writing into `options`, which must outlive parsing. Values are checked as they are parsed: a bad one
// stops parsing with vidscribe::Error(kInvalidArgument) naming the flag. Boolean options take --name and
// --no-name.
void add_caption_options(CLI::App& app, CaptionOptions& options);

}  // namespace vidscribe::cli
