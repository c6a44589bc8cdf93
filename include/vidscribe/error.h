// The one error type vidscribe throws: a message for people plus a code for programs.
#pragma once

#include <stdexcept>
#include <string>

namespace vidscribe {

enum class ErrorCode {
  kInvalidArgument,   // bad option value or malformed input data
  kNotFound,          // a file, folder, model or key that is not there
  kIo,                // reading or writing failed
  kUnsupportedMedia,  // a file FFmpeg cannot turn into video frames
  kCorruptModel,      // a model file that fails validation
  kNetwork,           // downloads: connection, HTTP status, integrity
  kInternal,          // a broken invariant (a bug): please report it
  kOutOfMemory,       // the CPU or GPU memory ran out (the message says which, and what to lower)
  kCancelled,         // the caller's abort callback (or Ctrl-C on the command line) stopped the call
};

// Thrown by every layer of the library; caught only at the edges (the command line, worker threads).
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Process exit status for an error code: 2 for usage and input errors, 3 for missing things,
// 4 for I/O, 5 for media, 6 for models, 7 for network, 8 for out of memory, 70 for internal errors,
// 130 for a cancelled run (as for a shell's Ctrl-C).
int exit_status(ErrorCode code);

// Short name of the code, e.g. "invalid argument".
const char* to_string(ErrorCode code);

}  // namespace vidscribe
