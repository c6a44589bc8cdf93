// vidscribe models pull|list|verify|path: fetch the CLIP and GPT-2 weights into the Hugging Face cache, check
// them, and tell scripts where they are.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "models/cache.h"
#include "models/hub.h"
#include "models/registry.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::cli {
namespace {
namespace fs = std::filesystem;

struct ModelsOptions {
  std::vector<std::string> names;  // pull, verify: models or presets (pull: default preset; verify: all present)
  std::string name;                // path: one model name
  std::string cache_dir;           // --cache-dir: overrides $VIDSCRIBE_CACHE, $HF_HUB_CACHE, $HF_HOME/hub
  std::string revision = "main";   // pull --revision: branch, tag or commit
  double timeout_s = 30;           // pull --timeout: give up on a transfer that stalls this long (default 30 s)
  int attempts = 5;                // pull --attempts: tries per request on transient failures (default 5)
};

// One progress bar per file (download or hashing), in MiB for large files and KiB for small ones
// (util::Progress counts integers).
class FileProgressBars {
 public:
  explicit FileProgressBars(std::string model) : model_(std::move(model)) {}
  void operator()(const std::string& file, int64_t done, int64_t total) {
    if (file != file_ || !bar_) {
      file_ = file;
      unit_bytes_ = total >= (10 << 20) ? (1 << 20) : 1024;
      bar_ = std::make_unique<util::Progress>(model_ + " " + file + (unit_bytes_ == 1024 ? " (KiB)" : " (MiB)"),
                                              total / unit_bytes_);
    }
    bar_->update(done / unit_bytes_);
  }
  void finish() { bar_.reset(); }

 private:
  std::string model_;
  std::string file_;
  int64_t unit_bytes_ = 1024;
  std::unique_ptr<util::Progress> bar_;
};

void run_pull(const ModelsOptions& o) {
  models::HubOptions hub = models::hub_options_from_env();
  hub.cache_dir = o.cache_dir;
  hub.revision = o.revision;
  hub.max_attempts = o.attempts;
  hub.http.stall_timeout_s = o.timeout_s;
  for (const models::ModelInfo* model : models::expand_model_names(o.names)) {
    auto progress = std::make_shared<FileProgressBars>(model->name);
    hub.on_progress = [progress](const std::string& f, int64_t done, int64_t total) { (*progress)(f, done, total); };
    models::PullResult r = models::pull_model(*model, hub);
    progress.reset();  // finishes the last bar before the summary line
    hub.on_progress = nullptr;
    std::string what = r.offline                 ? "in the cache (offline)"
                       : r.files_downloaded == 0 ? "already up to date"
                                                 : "downloaded " + std::to_string(r.files_downloaded) + " files, " +
                                                       util::format_bytes(double(r.bytes_downloaded));
    std::cout << model->name << ": " << what << ", " << r.snapshot.string() << std::endl;
  }
}

void run_list(const ModelsOptions& o) {
  models::CacheLocation loc = models::locate_cache(o.cache_dir);
  models::HubCache cache(loc.dir);
  std::cout << "cache: " << loc.dir.string() << " (from " << loc.source << ")\n";
  std::printf("%-15s %-31s %11s  %s\n", "NAME", "REPOSITORY", "SIZE", "STATE");
  for (const models::ModelInfo& m : models::known_models()) {
    models::ModelStatus st = models::model_status(cache, m);
    size_t present = 0;
    for (const auto& f : st.files) present += f.state != models::FileState::kMissing;
    std::string state = present == 0                 ? "absent"
                        : !st.complete()             ? "partial (" + std::to_string(present) + "/" +
                                                           std::to_string(st.files.size()) + " files)"
                                                     : models::to_string(st.overall());
    std::string size = present == 0 ? "-" : util::format_bytes(double(st.total_bytes()));
    std::printf("%-15s %-31s %11s  %s\n", m.name.c_str(), m.repo_id.c_str(), size.c_str(), state.c_str());
  }
  std::cout << "presets:";
  for (const models::Preset& p : models::presets()) {
    std::cout << "  " << p.name << " = " << p.clip << " + " << p.gpt2
              << (p.name == models::kDefaultPreset ? " (default)" : "");
  }
  std::cout << std::endl;
}

void run_verify(const ModelsOptions& o) {
  models::HubCache cache(models::locate_cache(o.cache_dir).dir);
  std::vector<const models::ModelInfo*> targets;
  if (o.names.empty()) {
    for (const models::ModelInfo& m : models::known_models()) {
      if (models::model_status(cache, m).snapshot) targets.push_back(&m);
    }
  } else {
    targets = models::expand_model_names(o.names);
  }
  int bad = 0;
  std::string to_pull;
  for (const models::ModelInfo* m : targets) {
    FileProgressBars progress(m->name);
    models::ModelStatus st = models::verify_model(
        cache, *m, [&progress](const std::string& f, int64_t done, int64_t total) { progress(f, done, total); });
    progress.finish();
    std::cout << m->name << ": " << (st.complete() ? models::to_string(st.overall()) : "incomplete") << ", "
              << util::format_bytes(double(st.total_bytes())) << "\n";
    bool model_bad = false;
    for (const models::FileStatus& f : st.files) {
      if (f.state == models::FileState::kCorrupt || f.state == models::FileState::kMissing) {
        std::cout << "  " << f.filename << ": " << models::to_string(f.state)
                  << (f.detail.empty() ? "" : " (" + f.detail + ")") << "\n";
        ++bad;
        model_bad = true;
      }
    }
    if (model_bad) to_pull += " " + m->name;
  }
  std::cout << std::flush;
  if (targets.empty()) util::warn("no models in the cache " + cache.root().string() + " to verify");
  if (bad > 0) {
    throw Error(ErrorCode::kCorruptModel, std::to_string(bad) + " file(s) missing or failed verification; run: "
                                          "vidscribe models pull" + to_pull);
  }
}

void run_path(const ModelsOptions& o) { std::cout << models::resolve_model(o.name, o.cache_dir).string() << std::endl; }

Runner setup_models(CLI::App& app) {
  auto opts = std::make_shared<ModelsOptions>();
  CLI::App* models = app.add_subcommand(
      "models", "Download, list and check the CLIP and GPT-2 weights (kept in the Hugging Face cache)");
  models->require_subcommand(1);
  auto add_cache_dir = [&opts](CLI::App* sub) {
    sub->add_option("--cache-dir", opts->cache_dir,
                    "Cache folder (default: $VIDSCRIBE_CACHE, $HF_HUB_CACHE, $HF_HOME/hub or "
                    "~/.cache/huggingface/hub)");
  };
  std::string names_help = "Models (" + models::known_model_names() + ") or presets (paper, fast)";

  CLI::App* pull = models->add_subcommand(
      "pull", "Download models into the cache, verified and resumable (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE apply)");
  pull->add_option("names", opts->names, names_help + "; default: the paper preset");
  add_cache_dir(pull);
  pull->add_option("--revision", opts->revision, "Branch, tag or commit of the repositories")->capture_default_str();
  pull->add_option("--timeout", opts->timeout_s, "Seconds without data before a transfer counts as stalled and is retried")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  pull->add_option("--attempts", opts->attempts, "Tries per request on transient network errors")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));

  CLI::App* list = models->add_subcommand("list", "Show the known models: present, size, verification state");
  add_cache_dir(list);

  CLI::App* verify = models->add_subcommand("verify", "Re-hash cached models against their published hashes");
  verify->add_option("names", opts->names, names_help + "; default: every model in the cache");
  add_cache_dir(verify);

  CLI::App* path = models->add_subcommand("path", "Print a model's folder (for scripts)");
  path->add_option("name", opts->name, "Model name")->required();
  add_cache_dir(path);

  return [opts, pull, list, verify, path] {
    if (pull->parsed()) run_pull(*opts);
    if (list->parsed()) run_list(*opts);
    if (verify->parsed()) run_verify(*opts);
    if (path->parsed()) run_path(*opts);
  };
}
}  // namespace

VIDSCRIBE_COMMAND(80, setup_models);

}  // namespace vidscribe::cli
