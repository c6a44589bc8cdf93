// Captioning jobs for `vidscribe serve --allow-captioning`: one worker captions the queued videos one at a
// time (the server has one model set) with library::add_videos, as `vidscribe library add --caption` would,
// while the server goes on answering. A job's progress is the stages the command line shows.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "library/ops.h"

namespace vidscribe::server {

class Jobs {
 public:
  // `base`: the models and options of every job (paths and `caption` are set per job).
  Jobs(std::filesystem::path library, double busy_timeout_s, library::AddParams base);
  ~Jobs();  // cancels the running job, drops the queued ones, joins the worker
  Jobs(const Jobs&) = delete;
  Jobs& operator=(const Jobs&) = delete;

  // Queues the captioning of a video; a video already queued or running gets its job back. The job as JSON.
  nlohmann::ordered_json submit(int64_t video_id, const std::string& path);
  // A job as JSON: {"id", "video_id", "state" (queued, running, done, failed, cancelled), "stage", "done",
  // "total", "message", "created", "started", "finished"}; nullopt for an unknown id.
  std::optional<nlohmann::ordered_json> get(int64_t job_id) const;

 private:
  struct Job {
    int64_t id = 0;
    int64_t video_id = 0;
    std::string path;
    std::string state = "queued";
    std::string stage;
    int64_t done = 0;
    int64_t total = 0;
    std::string message;
    std::string created, started, finished;
  };
  nlohmann::ordered_json to_json(const Job& job) const;
  void work();
  void run(int64_t job_id);

  std::filesystem::path library_;
  double busy_timeout_s_;
  library::AddParams base_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<int64_t, Job> jobs_;
  std::deque<int64_t> queue_;
  int64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace vidscribe::server
