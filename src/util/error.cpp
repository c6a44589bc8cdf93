#include "vidscribe/error.h"

namespace vidscribe {

int exit_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 2;
    case ErrorCode::kNotFound: return 3;
    case ErrorCode::kIo: return 4;
    case ErrorCode::kUnsupportedMedia: return 5;
    case ErrorCode::kCorruptModel: return 6;
    case ErrorCode::kNetwork: return 7;
    case ErrorCode::kInternal: return 70;
    case ErrorCode::kOutOfMemory: return 8;
    case ErrorCode::kCancelled: return 130;
  }
  return 70;
}

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kIo: return "I/O error";
    case ErrorCode::kUnsupportedMedia: return "unsupported media";
    case ErrorCode::kCorruptModel: return "corrupt model";
    case ErrorCode::kNetwork: return "network error";
    case ErrorCode::kInternal: return "internal error";
    case ErrorCode::kOutOfMemory: return "out of memory";
    case ErrorCode::kCancelled: return "cancelled";
  }
  return "internal error";
}

}  // namespace vidscribe
