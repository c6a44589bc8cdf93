// The command line's callbacks (vidscribe::Callbacks): messages on stderr, filtered by -q and -v, a one-line
// progress bar per stage when stderr is a terminal, and Ctrl-C as a clean cancellation.
#pragma once

#include "vidscribe/callbacks.h"

namespace vidscribe::cli {

// quiet: no warnings, no progress. verbose > 0: debug messages too.
Callbacks terminal_callbacks(bool quiet, int verbose);

// The first Ctrl-C (SIGINT) or SIGTERM asks the run to stop: the abort callback of terminal_callbacks then
// returns true, the call under way throws Error(kCancelled) and nothing is left half-written. A second one
// ends the process at once.
void install_interrupt_handlers();

// The signal that asked the run to stop (SIGINT or SIGTERM), or 0.
int interrupt_signal();

}  // namespace vidscribe::cli
