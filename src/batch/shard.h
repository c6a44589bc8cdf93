// Which videos one process of a batch takes: shard I of N takes the videos whose position in the id-sorted
// list is I mod N. The share comes from --shard I/N, else from the scheduler's environment (Slurm job arrays,
// Kubernetes Indexed Jobs), else it is everything (0/1).
#pragma once

#include <functional>
#include <string>

namespace vidscribe::batch {

struct Shard {
  int index = 0;
  int count = 1;
  bool takes(size_t position) const { return static_cast<int>(position % static_cast<size_t>(count)) == index; }
  std::string to_string() const { return std::to_string(index) + "/" + std::to_string(count); }
  bool operator==(const Shard& o) const { return index == o.index && count == o.count; }
};

// "I/N" with 0 <= I < N <= 1000000. Throws Error(kInvalidArgument).
Shard parse_shard(const std::string& text);

// The shard of this process when no --shard was given:
// - SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN (0 if unset): shard
//   (TASK_ID - TASK_MIN) of TASK_COUNT, for an array of consecutive indices (--array=0-99, 1-100, 0-99%20);
// - JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's pod) with `shards` = the Job's completions;
// - otherwise 0/1 (`shards` without an index from the environment is an error).
// `shards` is --shards (0 = not given); with Slurm it must equal TASK_COUNT when given. `getenv` looks up the
// environment (std::getenv by default; tests pass their own). Throws Error(kInvalidArgument) for values
// that do not fit (an array with steps or gaps, an index outside the count, ...).
Shard shard_from_environment(int shards,
                             const std::function<const char*(const char*)>& getenv = nullptr);

}  // namespace vidscribe::batch
