#include "batch/shard.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "vidscribe/error.h"

namespace vidscribe::batch {
namespace {

constexpr long kMaxShards = 1000000;

bool parse_long(const char* text, long* value) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *value = v;
  return true;
}

long env_number(const std::function<const char*(const char*)>& getenv, const char* name, long fallback) {
  const char* text = getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  long v = 0;
  if (!parse_long(text, &v) || v < 0) {
    throw Error(ErrorCode::kInvalidArgument, std::string(name) + "=" + text + " is not a whole number >= 0");
  }
  return v;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  long index = -1;
  long count = 0;
  if (slash == std::string::npos || !parse_long(text.substr(0, slash).c_str(), &index) ||
      !parse_long(text.substr(slash + 1).c_str(), &count) || count < 1 || count > kMaxShards || index < 0 ||
      index >= count) {
    throw Error(ErrorCode::kInvalidArgument,
                "--shard " + text + ": expected I/N with 0 <= I < N <= 1000000, e.g. 3/16");
  }
  return Shard{static_cast<int>(index), static_cast<int>(count)};
}

Shard shard_from_environment(int shards, const std::function<const char*(const char*)>& getenv_in) {
  const std::function<const char*(const char*)> getenv =
      getenv_in ? getenv_in : [](const char* name) -> const char* { return std::getenv(name); };
  if (shards < 0 || shards > kMaxShards) {
    throw Error(ErrorCode::kInvalidArgument, "--shards must be in [1, 1000000]");
  }
  const long slurm_id = env_number(getenv, "SLURM_ARRAY_TASK_ID", -1);
  if (slurm_id >= 0) {
    const long count = env_number(getenv, "SLURM_ARRAY_TASK_COUNT", -1);
    const long min = env_number(getenv, "SLURM_ARRAY_TASK_MIN", 0);
    const long max = env_number(getenv, "SLURM_ARRAY_TASK_MAX", -1);
    const long step = env_number(getenv, "SLURM_ARRAY_TASK_STEP", 1);
    if (count < 1) throw Error(ErrorCode::kInvalidArgument, "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    if (step != 1 || (max >= 0 && max - min + 1 != count)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "the Slurm array's indices are not consecutive (SLURM_ARRAY_TASK_MIN=" + std::to_string(min) +
                      ", MAX=" + std::to_string(max) + ", COUNT=" + std::to_string(count) +
                      "): submit --array=A-B (a limit such as %20 is fine) or give --shard I/N");
    }
    const long index = slurm_id - min;
    if (index < 0 || index >= count || count > kMaxShards) {
      throw Error(ErrorCode::kInvalidArgument, "SLURM_ARRAY_TASK_ID=" + std::to_string(slurm_id) +
                                                   " is outside the array's " + std::to_string(count) + " tasks");
    }
    if (shards != 0 && shards != count) {
      throw Error(ErrorCode::kInvalidArgument, "--shards " + std::to_string(shards) + " but the Slurm array has " +
                                                   std::to_string(count) + " tasks");
    }
    return Shard{static_cast<int>(index), static_cast<int>(count)};
  }
  const long k8s = env_number(getenv, "JOB_COMPLETION_INDEX", -1);
  if (k8s >= 0) {
    if (shards == 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): give --shards N, the Job's completions");
    }
    if (k8s >= shards) {
      throw Error(ErrorCode::kInvalidArgument, "JOB_COMPLETION_INDEX=" + std::to_string(k8s) + " is not below --shards " +
                                                   std::to_string(shards));
    }
    return Shard{static_cast<int>(k8s), shards};
  }
  if (shards > 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "--shards is given but no shard index: give --shard I/N, or run as a Slurm array task "
                "(SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX)");
  }
  return Shard{};
}

}  // namespace vidscribe::batch
