// Time of `vidscribe eval` work for val2_as_pred vs val_1 (4917 videos): loading, tokenizing, every metric at
// four tIoU thresholds including METEOR (loading WordNet and the word lists included), and SODA_c separately.
// The official Python scorer takes about 58 s for the same run (plus Java start-up), SODA about 29 s.
// Usage: bench_eval [SHARED_DIR] [REPETITIONS] [THREADS]; prints JSON.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "eval/densevid.h"
#include "eval/meteor.h"
#include "eval/soda.h"

int main(int argc, char** argv) {
  namespace ev = vidscribe::eval;
  const char* env = std::getenv("VIDSCRIBE_SHARED_DIR");
  std::string shared = argc > 1 ? argv[1] : env ? env : "../shared";
  int reps = argc > 2 ? std::atoi(argv[2]) : 3;
  int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  std::vector<double> times, soda_times;
  double check = 0, meteor_avg = 0, soda_f1 = 0;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<ev::ReferenceFile> refs{ev::load_references(shared + "/evaldata/anet/val_1.json")};
    ev::Submission sub = ev::load_submission(shared + "/evaldata/predictions/val2_as_pred.json");
    ev::Meteor meteor(ev::find_meteor_data_dir(), ev::WordNet::default_dir());
    ev::EvalOptions opt;
    opt.threads = threads;
    opt.meteor = [&meteor](const auto& items) { return meteor.pooled_score(items); };
    ev::EvalResult r = ev::evaluate(refs, sub, opt);
    auto t1 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double>(t1 - t0).count());
    check = r.average.at("CIDEr");
    meteor_avg = r.average.at("METEOR");
    ev::SodaOptions so;
    so.threads = threads;
    soda_f1 = ev::soda_c(refs, sub, meteor, so).f1;  // shares the METEOR caches of the run above
    soda_times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
  }
  std::vector<double> sorted = times, soda_sorted = soda_times;
  std::sort(sorted.begin(), sorted.end());
  std::sort(soda_sorted.begin(), soda_sorted.end());
  std::printf("{\"benchmark\": \"eval val2_as_pred vs val_1\", \"threads\": %d, \"repetitions\": %d, \"seconds\": [",
              threads, reps);
  for (size_t i = 0; i < times.size(); ++i) std::printf("%s%.3f", i ? ", " : "", times[i]);
  std::printf("], \"median_s\": %.3f, \"min_s\": %.3f, \"max_s\": %.3f, \"soda_median_s\": %.3f, "
              "\"cider_avg\": %.12f, \"meteor_avg\": %.12f, \"soda_f1\": %.12f}\n",
              sorted[sorted.size() / 2], sorted.front(), sorted.back(), soda_sorted[soda_sorted.size() / 2], check,
              meteor_avg, soda_f1);
  return 0;
}
