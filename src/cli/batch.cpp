// vidscribe batch INPUT --out DIR: caption a collection, one shard per process (Slurm array task, Kubernetes
// Indexed Job pod or plain process), resumable, every result complete or absent (docs/batch.md);
// vidscribe batch status DIR and vidscribe batch merge DIR.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "batch/report.h"
#include "batch/run.h"
#include "batch/shard.h"
#include "cli/caption_options.h"
#include "cli/command.h"
#include "cli/terminal.h"
#include "util/log.h"
#include "vidscribe/vidscribe.h"

namespace vidscribe::cli {
namespace {

// Exit status of a shard in which some videos failed (documented in docs/batch.md and --help).
constexpr int kSomeFailed = 10;

struct BatchCliOptions {
  std::string input;
  std::string out;
  std::string shard;
  int shards = 0;
  int attempts = 2;
  bool retry_failed = false;
  bool force = false;
  bool progress_json = false;
  double claim_timeout = 600;
  double heartbeat = 60;
  ModelCliOptions models;
  CaptionOptions options;

  std::string status_dir;
  bool status_json = false;
  int status_shards = 0;

  std::string merge_dir;
  std::string merge_format = "anet";
  std::string merge_output = "-";
};

void run_batch_command(const BatchCliOptions& o) {
  batch::BatchParams p;
  p.input = o.input;
  p.out = o.out;
  p.shard = o.shard.empty() ? batch::shard_from_environment(o.shards) : batch::parse_shard(o.shard);
  if (!o.shard.empty() && o.shards != 0 && o.shards != p.shard.count) {
    throw Error(ErrorCode::kInvalidArgument, "--shard " + o.shard + " and --shards " + std::to_string(o.shards) + " disagree");
  }
  p.attempts = o.attempts;
  p.retry_failed = o.retry_failed;
  p.force = o.force;
  p.stale_after_s = o.claim_timeout;
  p.heartbeat_s = o.heartbeat;
  p.context = context_params(o.models);
  p.caption = caption_params(o.models, o.options);
  if (o.progress_json) {
    p.on_video = [](const nlohmann::ordered_json& j) {
      std::fputs((j.dump() + "\n").c_str(), stdout);
      std::fflush(stdout);
    };
  }
  install_interrupt_handlers();
  // A batch's per-video lines are its progress display: shown unless --quiet.
  if (!global_options().quiet) {
    Callbacks c = terminal_callbacks(false, global_options().verbose);
    if (c.log_level > LogLevel::kInfo) c.log_level = LogLevel::kInfo;
    util::set_default_callbacks(c);
  }
  batch::BatchSummary s;
  try {
    s = batch::run_batch(p);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCancelled) throw;
    const int sig = interrupt_signal();
    std::cerr << "vidscribe: batch stopped by " << (sig == SIGTERM ? "SIGTERM" : "an interrupt")
              << ": the video under way was abandoned and its claim released; run the same command again to go on"
              << std::endl;
    throw ExitStatus{sig == SIGTERM ? 128 + SIGTERM : exit_status(ErrorCode::kCancelled)};
  }
  char line[256];
  std::snprintf(line, sizeof line, "batch: shard %s: %d of %d videos have results (%d captioned now), %d failed, in %s",
                p.shard.to_string().c_str(), s.done, s.total, s.computed, s.failed,
                util::format_duration(s.elapsed_s).c_str());
  util::info(line);
  if (s.failed > 0) {
    std::cerr << "vidscribe: " << s.failed << " videos of shard " << p.shard.to_string() << " failed; see "
              << (p.out / "failed").string() << " (vidscribe batch status " << o.out << ")" << std::endl;
    throw ExitStatus{kSomeFailed};
  }
}

void run_status(const BatchCliOptions& o) {
  const nlohmann::ordered_json s = batch::batch_status(o.status_dir, o.status_shards);
  if (o.status_json) {
    std::cout << s.dump(2) << std::endl;
  } else {
    std::cout << batch::format_status(s) << std::flush;
  }
}

void run_merge(const BatchCliOptions& o) {
  const batch::MergeReport r = batch::merge_results(o.merge_dir, o.merge_format, o.merge_output);
  const size_t shown = std::min<size_t>(r.missing.size(), 20);
  for (size_t i = 0; i < shown; ++i) std::cerr << "missing: " << r.missing[i] << "\n";
  if (r.missing.size() > shown) std::cerr << "missing: ... and " << r.missing.size() - shown << " more\n";
  std::cerr << "merged " << r.merged << " results";
  if (!r.missing.empty()) std::cerr << "; " << r.missing.size() << " videos of the input have none";
  std::cerr << std::endl;
}

Runner setup_batch(CLI::App& app) {
  auto o = std::make_shared<BatchCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "batch",
      "Caption a collection: a manifest or folder, one shard per process (Slurm arrays, Kubernetes Indexed Jobs), "
      "resumable; exit 0 when every video of the shard has a result, 10 when some failed, 143 after SIGTERM");
  sub->add_option("input", o->input,
                  "Manifest (one path per line; .jsonl with {\"id\",\"path\"}; .csv with an id,path header) or a "
                  "folder scanned for videos");
  sub->add_option("--out", o->out, "Output folder: results/, failed/, claims/, batch.json");

  const char* share = "Sharing the work";
  sub->add_option("--shard", o->shard,
                  "I/N: the videos whose position in the id-sorted list is I mod N (default: from "
                  "SLURM_ARRAY_TASK_ID/COUNT/MIN, or JOB_COMPLETION_INDEX with --shards; else everything)")
      ->group(share);
  sub->add_option("--shards", o->shards, "Number of shards, for a Kubernetes Indexed Job (its completions)")
      ->check(CLI::Range(1, 1000000))
      ->group(share);
  sub->add_option("--attempts", o->attempts, "Tries of a video whose failure is transient (I/O, out of memory)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100))
      ->group(share);
  sub->add_flag("--retry-failed", o->retry_failed, "Try failed videos again, permanent failures included")->group(share);
  sub->add_flag("--force", o->force, "Go on in a folder that was started with other options or models")->group(share);
  sub->add_option("--claim-timeout", o->claim_timeout,
                  "Seconds after which a claim nobody touched belongs to a dead process on another machine")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e7))
      ->group(share);
  sub->add_option("--heartbeat", o->heartbeat, "Seconds between touches of the claim of the video under way")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 1e6))
      ->group(share);
  sub->add_flag("--progress-json", o->progress_json,
                "One JSON line per finished video on standard output (for schedulers' logs)")
      ->group(share);
  add_model_options(*sub, o->models);
  add_caption_options(*sub, o->options);

  CLI::App* status = sub->add_subcommand("status", "Done, failed and pending videos of a batch, per shard, with timings");
  status->add_option("dir", o->status_dir, "The batch's output folder")->required();
  status->add_flag("--json", o->status_json, "As JSON");
  status->add_option("--shards", o->status_shards, "Count per shard as N shards (default: batch.json's)")
      ->check(CLI::Range(1, 1000000));

  CLI::App* merge = sub->add_subcommand("merge", "All results of a batch in one file; missing videos listed on stderr");
  merge->add_option("dir", o->merge_dir, "The batch's output folder")->required();
  merge->add_option("--format", o->merge_format,
                    "anet (an ActivityNet submission, for vidscribe eval), jsonl (one result per line) or json (an array)")
      ->capture_default_str()
      ->check(CLI::IsMember({"anet", "jsonl", "json"}));
  merge->add_option("-o,--output", o->merge_output, "Output file, or - for standard output")->capture_default_str();

  return [o, status, merge] {
    if (status->parsed()) return run_status(*o);
    if (merge->parsed()) return run_merge(*o);
    if (o->input.empty() || o->out.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "batch needs INPUT and --out DIR (or: batch status DIR, batch merge DIR); see vidscribe batch --help");
    }
    run_batch_command(*o);
  };
}

}  // namespace

VIDSCRIBE_COMMAND(15, setup_batch);

}  // namespace vidscribe::cli
