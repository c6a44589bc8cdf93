#include "models/cache.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/git_sha1.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "vidscribe/error.h"

namespace vidscribe::models {
namespace fs = std::filesystem;

namespace {
constexpr const char* kRecordName = ".vidscribe-verified.json";

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

fs::path home_dir() {
  if (auto home = env("HOME")) return *home;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) return pw->pw_dir;
  throw Error(ErrorCode::kNotFound, "cannot find the home folder for the model cache: set HOME or HF_HUB_CACHE");
}

bool is_hex(const std::string& s, size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A ref or commit must be a single path component: it names a folder under snapshots/.
bool is_safe_component(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\0') == std::string::npos;
}

int64_t mtime_ns(const fs::path& p) {
  return static_cast<int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(fs::last_write_time(p).time_since_epoch()).count());
}

nlohmann::json read_record(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return nlohmann::json::object();
  // The record only saves re-hashing; a damaged one is treated as empty rather than as an error.
  nlohmann::json j = nlohmann::json::parse(util::read_file(file), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("blobs") || !j["blobs"].is_object()) return nlohmann::json::object();
  return j;
}

// Regular file (through symlinks) or nothing.
std::optional<fs::path> present_file(const fs::path& p) {
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return p;
  return std::nullopt;
}
}  // namespace

CacheLocation locate_cache(const fs::path& override_dir) {
  if (!override_dir.empty()) return {override_dir, "--cache-dir"};
  for (const char* var : {"VIDSCRIBE_CACHE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"}) {
    if (auto v = env(var)) return {fs::path(*v), var};
  }
  if (auto v = env("HF_HOME")) return {fs::path(*v) / "hub", "HF_HOME"};
  if (auto v = env("XDG_CACHE_HOME")) return {fs::path(*v) / "huggingface" / "hub", "XDG_CACHE_HOME"};
  return {home_dir() / ".cache" / "huggingface" / "hub", "default"};
}

BlobHash blob_hash_kind(const std::string& blob_name) {
  if (is_hex(blob_name, 64)) return BlobHash::kSha256;
  if (is_hex(blob_name, 40)) return BlobHash::kGitSha1;
  return BlobHash::kUnknown;
}

std::string hash_file_as(const fs::path& path, BlobHash kind, const FileProgress& on_progress,
                         const std::string& label) {
  if (kind == BlobHash::kUnknown) throw Error(ErrorCode::kInternal, "hash_file_as: no hash kind for " + path.string());
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (!in || ec) {
    throw Error(fs::exists(path) ? ErrorCode::kIo : ErrorCode::kNotFound, "cannot read " + path.string());
  }
  util::Sha256 sha256;
  Sha1 sha1;
  if (kind == BlobHash::kGitSha1) {
    std::string header = "blob " + std::to_string(size);
    sha1.update(header.data(), header.size() + 1);  // with the NUL, as git hashes it
  }
  std::vector<char> buf(4 << 20);
  int64_t done = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    size_t n = static_cast<size_t>(in.gcount());
    if (kind == BlobHash::kSha256) {
      sha256.update(buf.data(), n);
    } else {
      sha1.update(buf.data(), n);
    }
    done += static_cast<int64_t>(n);
    if (on_progress) on_progress(label, done, static_cast<int64_t>(size));
  }
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read " + path.string());
  return kind == BlobHash::kSha256 ? sha256.hex_digest() : sha1.hex_digest();
}

fs::path HubCache::repo_dir(const std::string& repo_id) const {
  std::string name = "models--";
  for (char c : repo_id) {
    if (c == '/') {
      name += "--";
    } else {
      name += c;
    }
  }
  return root_ / name;
}

fs::path HubCache::blob_path(const std::string& repo_id, const std::string& blob_name) const {
  return repo_dir(repo_id) / "blobs" / blob_name;
}

fs::path HubCache::snapshot_dir(const std::string& repo_id, const std::string& commit) const {
  if (!is_safe_component(commit)) throw Error(ErrorCode::kInvalidArgument, "not a commit: '" + commit + "'");
  return repo_dir(repo_id) / "snapshots" / commit;
}

std::optional<std::string> HubCache::read_ref(const std::string& repo_id, const std::string& ref) const {
  fs::path file = repo_dir(repo_id) / "refs" / ref;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  std::string commit = util::read_file(file);
  while (!commit.empty() && std::isspace(static_cast<unsigned char>(commit.back()))) commit.pop_back();
  if (!is_safe_component(commit)) return std::nullopt;
  return commit;
}

void HubCache::write_ref(const std::string& repo_id, const std::string& ref, const std::string& commit) const {
  if (!is_safe_component(commit)) throw Error(ErrorCode::kInvalidArgument, "not a commit: '" + commit + "'");
  fs::path file = repo_dir(repo_id) / "refs" / ref;
  fs::create_directories(file.parent_path());
  util::write_file_atomic(file, commit);  // no newline, as huggingface_hub writes it
}

void HubCache::link_snapshot_file(const std::string& repo_id, const std::string& commit,
                                  const std::string& filename, const std::string& blob_name) const {
  fs::path link = snapshot_dir(repo_id, commit) / filename;
  fs::create_directories(link.parent_path());
  fs::path target = blob_path(repo_id, blob_name).lexically_relative(link.parent_path());
  fs::path temp = link;
  temp += ".tmp." + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(temp, ec);
  fs::create_symlink(target, temp, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create symlink " + temp.string() + ": " + ec.message());
  fs::rename(temp, link, ec);
  if (ec) {
    fs::remove(temp);
    throw Error(ErrorCode::kIo, "cannot rename into " + link.string() + ": " + ec.message());
  }
}

std::optional<fs::path> HubCache::find_snapshot(const ModelInfo& model) const {
  auto complete = [&model](const fs::path& dir) {
    return std::all_of(model.files.begin(), model.files.end(),
                       [&dir](const std::string& f) { return present_file(dir / f).has_value(); });
  };
  if (auto commit = read_ref(model.repo_id, "main")) {
    fs::path dir = snapshot_dir(model.repo_id, *commit);
    if (complete(dir)) return dir;
  }
  fs::path snapshots = repo_dir(model.repo_id) / "snapshots";
  std::error_code ec;
  if (!fs::is_directory(snapshots, ec)) return std::nullopt;
  std::optional<fs::path> best;
  fs::file_time_type best_time{};
  for (const auto& entry : fs::directory_iterator(snapshots)) {
    if (!entry.is_directory() || !complete(entry.path())) continue;
    auto t = fs::last_write_time(entry.path());
    if (!best || t > best_time) {
      best = entry.path();
      best_time = t;
    }
  }
  return best;
}

bool HubCache::is_recorded_verified(const std::string& repo_id, const fs::path& blob) const {
  nlohmann::json record = read_record(repo_dir(repo_id) / kRecordName);
  if (!record.contains("blobs")) return false;
  auto it = record["blobs"].find(blob.filename().string());
  if (it == record["blobs"].end() || !it->is_object()) return false;
  std::error_code ec;
  auto size = fs::file_size(blob, ec);
  if (ec) return false;
  return it->value("size", int64_t{-1}) == static_cast<int64_t>(size) &&
         it->value("mtime_ns", int64_t{-1}) == mtime_ns(blob);
}

void HubCache::record_verified(const std::string& repo_id, const fs::path& blob) const {
  fs::path file = repo_dir(repo_id) / kRecordName;
  nlohmann::json record = read_record(file);
  record["blobs"][blob.filename().string()] = {{"size", static_cast<int64_t>(fs::file_size(blob))},
                                               {"mtime_ns", mtime_ns(blob)}};
  util::write_file_atomic(file, record.dump(2) + "\n");
}

void HubCache::forget_verified(const std::string& repo_id, const std::string& blob_name) const {
  fs::path file = repo_dir(repo_id) / kRecordName;
  nlohmann::json record = read_record(file);
  if (!record.contains("blobs") || record["blobs"].erase(blob_name) == 0) return;
  util::write_file_atomic(file, record.dump(2) + "\n");
}

const char* to_string(FileState state) {
  switch (state) {
    case FileState::kMissing:
      return "missing";
    case FileState::kUnverified:
      return "unverified";
    case FileState::kVerified:
      return "verified";
    case FileState::kCorrupt:
      return "CORRUPT";
  }
  return "?";
}

int64_t ModelStatus::total_bytes() const {
  int64_t total = 0;
  for (const FileStatus& f : files) total += f.size_bytes;
  return total;
}

bool ModelStatus::complete() const {
  return std::none_of(files.begin(), files.end(),
                      [](const FileStatus& f) { return f.state == FileState::kMissing; });
}

FileState ModelStatus::overall() const {
  // Worst first: corrupt, missing, unverified, verified.
  auto rank = [](FileState s) {
    switch (s) {
      case FileState::kCorrupt:
        return 0;
      case FileState::kMissing:
        return 1;
      case FileState::kUnverified:
        return 2;
      case FileState::kVerified:
        return 3;
    }
    return 0;
  };
  FileState worst = FileState::kVerified;
  for (const FileStatus& f : files) {
    if (rank(f.state) < rank(worst)) worst = f.state;
  }
  return worst;
}

namespace {
// The snapshot to report on: a complete one if any, else the one refs/main names, else none.
std::optional<fs::path> snapshot_to_inspect(const HubCache& cache, const ModelInfo& model) {
  if (auto snap = cache.find_snapshot(model)) return snap;
  if (auto commit = cache.read_ref(model.repo_id, "main")) {
    fs::path dir = cache.snapshot_dir(model.repo_id, *commit);
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return dir;
  }
  return std::nullopt;
}

FileStatus inspect_file(const HubCache& cache, const ModelInfo& model, const fs::path& snapshot,
                        const std::string& filename) {
  FileStatus st;
  st.filename = filename;
  fs::path entry = snapshot / filename;
  if (!present_file(entry)) return st;
  st.size_bytes = static_cast<int64_t>(fs::file_size(entry));
  st.state = FileState::kUnverified;
  std::error_code ec;
  if (fs::is_symlink(entry, ec)) {
    std::string blob = fs::read_symlink(entry).filename().string();
    if (present_file(cache.blob_path(model.repo_id, blob))) st.blob_name = blob;
  }
  return st;
}
ModelStatus model_status_impl(const HubCache& cache, const ModelInfo& model) {
  ModelStatus status;
  status.model = &model;
  status.snapshot = snapshot_to_inspect(cache, model);
  for (const std::string& f : model.files) {
    if (!status.snapshot) {
      status.files.push_back(FileStatus{f, "", 0, FileState::kMissing, ""});
      continue;
    }
    FileStatus st = inspect_file(cache, model, *status.snapshot, f);
    if (!st.blob_name.empty() && cache.is_recorded_verified(model.repo_id, cache.blob_path(model.repo_id, st.blob_name))) {
      st.state = FileState::kVerified;
    }
    status.files.push_back(st);
  }
  return status;
}

ModelStatus verify_model_impl(const HubCache& cache, const ModelInfo& model, const FileProgress& on_progress) {
  ModelStatus status = model_status_impl(cache, model);
  for (FileStatus& st : status.files) {
    if (st.state == FileState::kMissing || st.blob_name.empty()) continue;
    BlobHash kind = blob_hash_kind(st.blob_name);
    if (kind == BlobHash::kUnknown) {
      st.state = FileState::kUnverified;
      st.detail = "blob name is not a hash";
      continue;
    }
    fs::path blob = cache.blob_path(model.repo_id, st.blob_name);
    std::string actual = hash_file_as(blob, kind, on_progress, st.filename);
    if (actual == st.blob_name) {
      st.state = FileState::kVerified;
      cache.record_verified(model.repo_id, blob);
    } else {
      st.state = FileState::kCorrupt;
      st.detail = std::string(kind == BlobHash::kSha256 ? "sha256" : "git sha1") + " is " + actual +
                  ", expected " + st.blob_name;
      cache.forget_verified(model.repo_id, st.blob_name);
    }
  }
  return status;
}

fs::path resolve_model_impl(const std::string& name_or_dir, const fs::path& cache_dir) {
  if (const ModelInfo* model = find_model(name_or_dir)) {
    CacheLocation loc = locate_cache(cache_dir);
    HubCache cache(loc.dir);
    if (auto snap = cache.find_snapshot(*model)) return *snap;
    for (const std::string& other : model->other_repo_ids) {
      ModelInfo renamed = *model;
      renamed.repo_id = other;
      if (auto snap = cache.find_snapshot(renamed)) return *snap;
    }
    std::string missing;
    ModelStatus st = model_status_impl(cache, *model);
    if (st.snapshot) {
      for (const FileStatus& f : st.files) {
        if (f.state == FileState::kMissing) missing += (missing.empty() ? "" : ", ") + f.filename;
      }
    }
    throw Error(ErrorCode::kNotFound,
                "model " + model->name + " (" + model->repo_id + ") is not in the cache" +
                    (missing.empty() ? "" : " (snapshot " + st.snapshot->string() + " lacks " + missing + ")") +
                    "; looked in " + cache.repo_dir(model->repo_id).string() + " (cache folder from " +
                    loc.source + "); run: vidscribe models pull " + model->name);
  }
  fs::path dir(name_or_dir);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return dir;
  throw Error(ErrorCode::kNotFound, "model '" + name_or_dir + "' is neither a folder nor a known model name (" +
                                        known_model_names() + ")");
}

}  // namespace

ModelStatus model_status(const HubCache& cache, const ModelInfo& model) {
  return with_io_errors([&] { return model_status_impl(cache, model); });
}

ModelStatus verify_model(const HubCache& cache, const ModelInfo& model, const FileProgress& on_progress) {
  return with_io_errors([&] { return verify_model_impl(cache, model, on_progress); });
}

fs::path resolve_model(const std::string& name_or_dir, const fs::path& cache_dir) {
  return with_io_errors([&] { return resolve_model_impl(name_or_dir, cache_dir); });
}

void throw_io_error(const fs::filesystem_error& e) {
  ErrorCode code = e.code() == std::errc::no_such_file_or_directory ? ErrorCode::kNotFound : ErrorCode::kIo;
  throw Error(code, e.what());
}

}  // namespace vidscribe::models
