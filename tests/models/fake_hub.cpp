#include "models/fake_hub.h"

#include <httplib.h>

#include <chrono>
#include <stdexcept>

#include "models/git_sha1.h"
#include "util/sha256.h"

namespace vidscribe::testing {

struct FakeHub::Repo {
  std::string commit;
  std::map<std::string, std::string> files;
};

namespace {
bool is_lfs(const std::string& filename) {
  return filename.size() > 12 && filename.compare(filename.size() - 12, 12, ".safetensors") == 0;
}
}  // namespace

FakeHub::FakeHub() : server_(std::make_unique<httplib::Server>()) {
  server_->set_keep_alive_timeout(1);
  server_->Get(R"(/(.+?)/resolve/([^/]+)/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::string repo_id = req.matches[1], revision = req.matches[2], filename = req.matches[3];
    std::unique_lock<std::mutex> lock(mu_);
    log_.push_back({req.method, req.path, req.get_header_value("Range"), req.get_header_value("Authorization"), ""});
    if (fail_next_times_ > 0) {
      --fail_next_times_;
      res.status = fail_next_status_;
      res.set_header("Retry-After", fail_next_retry_after_);
      res.set_content("slow down", "text/plain");
      return;
    }
    if (fail_status_ != 0) {
      res.status = fail_status_;
      if (!fail_code_.empty()) res.set_header("X-Error-Code", fail_code_);
      res.set_content("fault injected", "text/plain");
      return;
    }
    if (!token_.empty() && req.get_header_value("Authorization") != "Bearer " + token_) {
      res.status = 401;
      res.set_header("X-Error-Code", "GatedRepo");
      res.set_header("X-Error-Message", "Access to model " + repo_id + " is restricted.");
      res.set_content("unauthorized", "text/plain");
      return;
    }
    if (auto moved = renamed_.find(repo_id); moved != renamed_.end()) {
      res.status = 307;
      res.set_header("Location", "/" + moved->second + "/resolve/" + revision + "/" + filename);
      return;
    }
    auto repo = repos_.find(repo_id);
    if (repo == repos_.end()) {
      res.status = 404;
      res.set_header("X-Error-Code", "RepoNotFound");
      res.set_content("Repository not found", "text/plain");
      return;
    }
    if (revision != "main" && revision != repo->second->commit) {
      res.status = 404;
      res.set_header("X-Error-Code", "RevisionNotFound");
      res.set_content("Revision not found", "text/plain");
      return;
    }
    auto file = repo->second->files.find(filename);
    if (file == repo->second->files.end()) {
      res.status = 404;
      res.set_header("X-Error-Code", "EntryNotFound");
      res.set_content("Entry not found", "text/plain");
      return;
    }
    res.set_header("X-Repo-Commit", repo->second->commit);
    if (is_lfs(filename)) {
      std::string sha = util::sha256_hex(file->second);
      // As the hub does: the ETag of the redirect is not the content hash; X-Linked-Etag is.
      res.set_header("ETag", "\"" + models::git_blob_sha1("version https://git-lfs.github.com/spec/v1") + "\"");
      res.set_header("X-Linked-Etag", "\"" + sha + "\"");
      res.set_header("X-Linked-Size", std::to_string(file->second.size()));
      res.set_redirect(endpoint() + "/cdn/" + sha, 302);
      return;
    }
    res.set_header("ETag", "\"" + models::git_blob_sha1(file->second) + "\"");
    std::string content = file->second;
    size_t log_index = log_.size() - 1;
    lock.unlock();
    serve_content(req, res, log_index, filename, content);
  });
  server_->Get(R"(/cdn/([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu_);
    log_.push_back({req.method, req.path, req.get_header_value("Range"), req.get_header_value("Authorization"), ""});
    auto it = cdn_.find(req.matches[1]);
    if (it == cdn_.end()) {
      res.status = 404;
      return;
    }
    std::string filename = it->second.second;
    std::string content = repos_.at(it->second.first)->files.at(filename);
    size_t log_index = log_.size() - 1;
    lock.unlock();
    serve_content(req, res, log_index, filename, content);
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeHub: cannot bind a port on 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 500 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

FakeHub::~FakeHub() {
  stopping_ = true;
  server_->stop();
  thread_.join();
}

std::string FakeHub::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeHub::add_repo(const std::string& repo_id, const std::string& commit,
                       std::map<std::string, std::string> files) {
  std::lock_guard<std::mutex> lock(mu_);
  auto repo = std::make_shared<Repo>();
  repo->commit = commit;
  repo->files = std::move(files);
  for (const auto& [name, content] : repo->files) {
    if (is_lfs(name)) cdn_[util::sha256_hex(content)] = {repo_id, name};
  }
  repos_[repo_id] = repo;
}

void FakeHub::rename_repo(const std::string& old_id, const std::string& new_id) {
  std::lock_guard<std::mutex> lock(mu_);
  renamed_[old_id] = new_id;
}

void FakeHub::cut_after(const std::string& filename, size_t after_bytes, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  cuts_[filename] = {after_bytes, times};
}

void FakeHub::corrupt(const std::string& filename) {
  std::lock_guard<std::mutex> lock(mu_);
  corrupt_[filename] = true;
}

void FakeHub::stall_after(const std::string& filename, size_t after_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  stalls_[filename] = after_bytes;
}

void FakeHub::require_token(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = token;
}

void FakeHub::fail_all(int status, const std::string& error_code) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_status_ = status;
  fail_code_ = error_code;
}

void FakeHub::fail_next(int status, int times, const std::string& retry_after) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_status_ = status;
  fail_next_times_ = times;
  fail_next_retry_after_ = retry_after;
}

std::vector<LoggedRequest> FakeHub::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

int FakeHub::content_gets(const std::string& filename) const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const LoggedRequest& r : log_) n += (r.method == "GET" && r.content_of == filename);
  return n;
}

void FakeHub::serve_content(const httplib::Request& req, httplib::Response& res, size_t log_index,
                            const std::string& filename, std::string content) {
  constexpr size_t kNoLimit = static_cast<size_t>(-1);
  size_t cut_at = kNoLimit, stall_at = kNoLimit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (req.method == "GET") {
      log_[log_index].content_of = filename;
      auto cut = cuts_.find(filename);
      if (cut != cuts_.end() && cut->second.second > 0) {
        cut_at = cut->second.first;
        --cut->second.second;
      }
      if (auto stall = stalls_.find(filename); stall != stalls_.end()) stall_at = stall->second;
    }
    if (corrupt_.count(filename) != 0) content[content.size() / 2] ^= 0x5a;
  }
  auto data = std::make_shared<std::string>(std::move(content));
  // httplib applies the Range header itself (206, Content-Range) and asks the provider for that slice.
  res.set_content_provider(
      data->size(), "application/octet-stream",
      [this, data, cut_at, stall_at](size_t offset, size_t length, httplib::DataSink& sink) {
        if (offset >= cut_at) return false;  // drop the connection mid-file
        if (offset >= stall_at) {
          auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
          while (!stopping_ && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
          return false;
        }
        size_t chunk = std::min<size_t>({length, 16 * 1024, cut_at - offset, stall_at - offset});
        return sink.write(data->data() + offset, chunk);
      });
}

}  // namespace vidscribe::testing
