// Claims: which process of a batch is captioning which video, so that two processes given the same share
// by mistake (or a resubmitted task running beside its old self) do not both work on one video.
//
// A claim is a file DIR/claims/<name>.claim holding {host, pid, token, started}. It is made by writing a
// unique temporary file and link(2)ing it to the claim's name: link is atomic and fails when the name
// exists, on local disks and on NFS (where O_CREAT|O_EXCL was not reliable before NFSv3) and Lustre alike;
// flock is not used, since shared filesystems do not all carry it between machines. While a video is
// worked on, a heartbeat thread touches its claim's modification time every `heartbeat` seconds.
//
// A claim is stale - its holder is gone - when its host is this machine and its pid is no longer alive
// (or is this process's pid but no Claims object alive here made it: an earlier process with a reused pid),
// or when it has not been touched for `stale_after` seconds (a process on another machine, or a claim
// without readable content). A stale claim is broken under a second claim, "<name>.claim.break", so that
// two processes cannot both break one claim and then one delete the other's new claim.
//
// Claims are an optimisation, not what keeps results correct: results are written by rename, so the worst
// a lost race can do is compute one video twice.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace vidscribe::batch {

class Claims {
 public:
  // `dir` is created if missing. Throws Error(kIo) when it cannot be.
  Claims(std::filesystem::path dir, double stale_after_s, double heartbeat_s);
  ~Claims();  // releases the claim held, stops the heartbeat
  Claims(const Claims&) = delete;
  Claims& operator=(const Claims&) = delete;

  // Takes the claim on `name` (breaking a stale one). True: this process now holds it (and only it: a
  // claim held before is released). False: a live process holds it. Throws Error(kIo) when the folder
  // cannot be written.
  bool acquire(const std::string& name);
  // Gives up the claim held, if it is still this process's.
  void release();

  // Who holds `name` ("host pid N since T"), or "" when nobody does.
  std::string holder(const std::string& name) const;

 private:
  bool try_link(const std::filesystem::path& target, const std::string& content);
  bool is_stale(const std::filesystem::path& path, std::string* content) const;
  void heartbeat_loop();

  std::filesystem::path dir_;
  double stale_after_s_;
  double heartbeat_s_;
  std::string host_;
  std::string token_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::filesystem::path held_;  // guarded by mutex_
  bool stopping_ = false;
  std::thread heartbeat_;
};

}  // namespace vidscribe::batch
