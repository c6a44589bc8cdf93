#include "server/jobs.h"

#include <iostream>
#include <utility>

#include "batch/store.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::server {

namespace {
constexpr size_t kKeptJobs = 1000;  // finished jobs remembered for GET /api/jobs/{id}
}

Jobs::Jobs(std::filesystem::path library, double busy_timeout_s, library::AddParams base)
    : library_(std::move(library)), busy_timeout_s_(busy_timeout_s), base_(std::move(base)) {
  worker_ = std::thread([this] { work(); });
}

Jobs::~Jobs() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

nlohmann::ordered_json Jobs::to_json(const Job& j) const {
  return {{"id", j.id}, {"video_id", j.video_id}, {"state", j.state}, {"stage", j.stage}, {"done", j.done},
          {"total", j.total}, {"message", j.message}, {"created", j.created}, {"started", j.started},
          {"finished", j.finished}};
}

nlohmann::ordered_json Jobs::submit(int64_t video_id, const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [id, job] : jobs_) {
    if (job.video_id == video_id && (job.state == "queued" || job.state == "running")) return to_json(job);
  }
  Job job;
  job.id = next_id_++;
  job.video_id = video_id;
  job.path = path;
  job.created = batch::utc_now();
  job.message = queue_.empty() ? "queued" : "queued behind " + std::to_string(queue_.size()) + " jobs";
  jobs_[job.id] = job;
  queue_.push_back(job.id);
  // Forget the oldest finished jobs beyond the limit.
  for (auto it = jobs_.begin(); jobs_.size() > kKeptJobs && it != jobs_.end();) {
    it = (it->second.state == "queued" || it->second.state == "running") ? std::next(it) : jobs_.erase(it);
  }
  wake_.notify_one();
  return to_json(jobs_.at(job.id));
}

std::optional<nlohmann::ordered_json> Jobs::get(int64_t job_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return to_json(it->second);
}

void Jobs::work() {
  for (;;) {
    int64_t id = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = queue_.front();
      queue_.pop_front();
      Job& job = jobs_.at(id);
      job.state = "running";
      job.message = "";
      job.started = batch::utc_now();
    }
    run(id);
  }
}

void Jobs::run(int64_t id) {
  library::AddParams p = base_;
  std::string last_warning;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    p.paths = {jobs_.at(id).path};
  }
  p.caption = true;
  // The job's own callbacks: its progress and messages, and the server's stop as a cancel.
  Callbacks cb;
  cb.log_level = LogLevel::kWarning;
  cb.log = [this, id, &last_warning](LogLevel, const std::string& message) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      last_warning = message;
    }
    std::cerr << "vidscribe: job " << id << ": " << message << std::endl;
  };
  cb.progress = [this, id](const std::string& stage, int64_t done, int64_t total) {
    std::lock_guard<std::mutex> lock(mutex_);
    Job& job = jobs_.at(id);
    job.stage = stage;
    job.done = done;
    job.total = total;
  };
  cb.abort = [this] {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopping_;
  };
  p.context.callbacks = cb;
  p.caption_params.callbacks = cb;
  util::ScopedCallbacks scope(cb);

  std::string state = "done", message;
  try {
    library::Library::OpenOptions o;
    o.busy_timeout_s = busy_timeout_s_;
    library::Library lib(library_, o);
    const library::AddSummary s = library::add_videos(lib, p);
    std::lock_guard<std::mutex> lock(mutex_);
    if (s.failed > 0) {
      state = "failed";
      message = last_warning.empty() ? "the video could not be captioned (see the server's log)" : last_warning;
    } else {
      message = s.skipped > 0 ? "already captioned with these models and options" : "captioned";
    }
  } catch (const Error& e) {
    state = e.code() == ErrorCode::kCancelled ? "cancelled" : "failed";
    message = e.what();
  } catch (const std::exception& e) {
    state = "failed";
    message = std::string("internal error: ") + e.what();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  Job& job = jobs_.at(id);
  job.state = state;
  job.message = message;
  job.finished = batch::utc_now();
}

}  // namespace vidscribe::server
