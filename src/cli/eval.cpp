// vidscribe eval: the dense-captioning scores of the official ActivityNet Captions scorer (and SODA_c), without
// Python or Java.
#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "cli/command.h"
#include "eval/densevid.h"
#include "eval/report.h"
#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::cli {
namespace {

struct EvalOptions {
  std::vector<std::string> references;                // --references: one or more reference files (required)
  std::string predictions;                            // --predictions: the submission (required)
  std::vector<double> tious{0.3, 0.5, 0.7, 0.9};      // --tiou (default 0.3,0.5,0.7,0.9)
  std::string profile = "2018";                       // --profile: 2018 or 2021 (default 2018)
  int max_proposals = 1000;                           // --max-proposals per video (default 1000)
  uint64_t seed = 0;                                  // --seed: the 2021 profile's random garbage words (default 0)
  bool json = false;                                  // --json: machine-readable output
};

void run_eval(const EvalOptions& o) {
  std::vector<eval::ReferenceFile> refs;
  for (const auto& f : o.references) refs.push_back(eval::load_references(f));
  eval::Submission sub = eval::load_submission(o.predictions, o.max_proposals);

  eval::EvalOptions opt;
  opt.tious = o.tious;
  opt.profile = o.profile == "2021" ? eval::Profile::k2021 : eval::Profile::k2018;
  opt.seed = o.seed;
  int threads = global_options().threads;
  opt.threads = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  eval::EvalResult result = eval::evaluate(refs, sub, opt);
  for (const auto& w : result.warnings) util::warn(w);

  eval::ReportInfo info;
  info.profile = o.profile;
  if (o.json) std::cout << eval::to_json(result, info).dump(1) << std::endl;
  else std::cout << eval::format_table(result, info);
}

Runner setup_eval(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* sub = app.add_subcommand(
      "eval", "Score dense captions like the official ActivityNet Captions scorer: Recall, Precision, BLEU@1-4, "
              "METEOR, ROUGE-L, CIDEr-D per tIoU and averaged");
  sub->add_option("-r,--references", o->references, "Reference files (ActivityNet Captions format)")
      ->required()
      ->expected(1, -1)
      ->check(CLI::ExistingFile);
  sub->add_option("-s,--predictions", o->predictions,
                  "Submission: {\"results\": {video: [{\"sentence\", \"timestamp\"}]}, \"version\", "
                  "\"external_data\"} (what `caption --format anet` writes)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--tiou", o->tious, "tIoU thresholds, comma-separated")
      ->delimiter(',')
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--profile", o->profile, "Official scorer to follow: 2018 or 2021 (garbage reference)")
      ->check(CLI::IsMember({"2018", "2021"}))
      ->capture_default_str();
  sub->add_option("--max-proposals", o->max_proposals, "Predictions kept per video, in file order")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed of the 2021 profile's random garbage words")->capture_default_str();
  sub->add_flag("--json", o->json, "Print JSON (fractions, full precision) instead of a table");
  return [o] { run_eval(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(80, setup_eval);

}  // namespace vidscribe::cli
