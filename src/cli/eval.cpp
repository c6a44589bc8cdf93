// vidscribe eval: the dense-captioning scores of the official ActivityNet Captions scorer (and SODA_c), without
// Python or Java.
#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "cli/command.h"
#include "eval/densevid.h"
#include "eval/meteor.h"
#include "eval/report.h"
#include "eval/soda.h"
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
  bool soda = false;                                  // --soda: also SODA_c (fujiso/SODA v1.1)
  bool soda_multi_reference = false;                  // --soda-multi-reference: best reference file per video
  bool no_meteor = false;                             // --no-meteor: skip METEOR (and SODA_c)
  std::string meteor_paraphrase;                      // --meteor-paraphrase: METEOR's paraphrase-en.gz (default none)
};

void run_eval(const EvalOptions& o) {
  std::vector<eval::ReferenceFile> refs;
  for (const auto& f : o.references) refs.push_back(eval::load_references(f));
  eval::Submission sub = eval::load_submission(o.predictions, o.max_proposals);

  if ((o.soda || o.soda_multi_reference) && o.no_meteor) throw Error(ErrorCode::kInvalidArgument, "--soda needs METEOR; drop --no-meteor");
  if (!o.meteor_paraphrase.empty() && o.no_meteor)
    throw Error(ErrorCode::kInvalidArgument, "--meteor-paraphrase is for METEOR; drop --no-meteor");
  std::unique_ptr<eval::Meteor> meteor;
  if (!o.no_meteor) {
    std::shared_ptr<const eval::ParaphraseTable> paraphrases;
    if (!o.meteor_paraphrase.empty()) {
      {
        util::Progress bar("paraphrase table (MiB)", 0);
        auto table = eval::ParaphraseTable::load(o.meteor_paraphrase, [&](uint64_t done, uint64_t total) {
          bar.set_total(static_cast<int64_t>(total >> 20));
          bar.update(static_cast<int64_t>(done >> 20));
        });
        paraphrases = std::make_shared<const eval::ParaphraseTable>(std::move(table));
      }
      util::debug(std::to_string(paraphrases->n_entries()) + " paraphrase entries in " + o.meteor_paraphrase);
    }
    meteor = std::make_unique<eval::Meteor>(eval::find_meteor_data_dir(), eval::WordNet::default_dir(),
                                            eval::MeteorParams{}, paraphrases);
  }
  // Without the table METEOR runs the exact, stem and synonym modules only; say so next to the numbers.
  const std::string modules = o.meteor_paraphrase.empty() ? "no paraphrase" : "";

  eval::EvalOptions opt;
  opt.tious = o.tious;
  opt.profile = o.profile == "2021" ? eval::Profile::k2021 : eval::Profile::k2018;
  opt.seed = o.seed;
  int threads = global_options().threads;
  opt.threads = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  if (meteor) {
    const eval::Meteor* m = meteor.get();
    opt.meteor = [m](const std::vector<std::pair<const std::string*, const std::string*>>& items) {
      return m->pooled_score(items);
    };
  }

  eval::EvalResult result = eval::evaluate(refs, sub, opt);
  for (const auto& w : result.warnings) util::warn(w);

  eval::ReportInfo info;
  info.profile = o.profile;
  info.meteor_label = modules.empty() ? "METEOR" : "METEOR (" + modules + ")";
  if (o.soda || o.soda_multi_reference) {
    eval::SodaOptions so;
    so.multi_reference = o.soda_multi_reference;
    so.threads = opt.threads;
    eval::SodaResult soda = eval::soda_c(refs, sub, *meteor, so);
    info.has_soda = true;
    info.soda_precision = soda.precision;
    info.soda_recall = soda.recall;
    info.soda_f1 = soda.f1;
    std::string notes = modules;
    if (o.soda_multi_reference) notes += notes.empty() ? "multi-reference" : ", multi-reference";
    info.soda_label = notes.empty() ? "SODA_c" : "SODA_c (" + notes + ")";
  }
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
  sub->add_flag("--soda", o->soda, "Also print SODA_c (fujiso/SODA v1.1; reference files merged per video)");
  sub->add_flag("--soda-multi-reference", o->soda_multi_reference,
                "SODA_c per reference file, keeping each video's best F1 (soda.py --multi_reference); implies --soda");
  sub->add_flag("--no-meteor", o->no_meteor, "Skip METEOR (no WordNet or word lists needed)");
  sub->add_option("--meteor-paraphrase", o->meteor_paraphrase,
                  "METEOR 1.5's paraphrase table (paraphrase-en.gz from its release) for METEOR's fourth "
                  "module; without it METEOR and SODA_c are labelled \"no paraphrase\"")
      ->check(CLI::ExistingFile);
  return [o] { run_eval(*o); };
}

}  // namespace

VIDSCRIBE_COMMAND(80, setup_eval);

}  // namespace vidscribe::cli
