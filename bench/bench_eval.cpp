// Time of `vidscribe eval` work for val2_as_pred vs val_1 (4917 videos): loading, tokenizing, every metric at
// four tIoU thresholds. The official Python scorer takes about 58 s for the same run (plus Java start-up).
// Usage: bench_eval [SHARED_DIR] [REPETITIONS] [THREADS]; prints JSON.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "eval/densevid.h"

int main(int argc, char** argv) {
  namespace ev = vidscribe::eval;
  const char* env = std::getenv("VIDSCRIBE_SHARED_DIR");
  std::string shared = argc > 1 ? argv[1] : env ? env : "../shared";
  int reps = argc > 2 ? std::atoi(argv[2]) : 3;
  int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  std::vector<double> times;
  double check = 0;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<ev::ReferenceFile> refs{ev::load_references(shared + "/evaldata/anet/val_1.json")};
    ev::Submission sub = ev::load_submission(shared + "/evaldata/predictions/val2_as_pred.json");
    ev::EvalOptions opt;
    opt.threads = threads;
    ev::EvalResult r = ev::evaluate(refs, sub, opt);
    auto t1 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double>(t1 - t0).count());
    check = r.average.at("CIDEr");
  }
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  std::printf("{\"benchmark\": \"eval val2_as_pred vs val_1\", \"threads\": %d, \"repetitions\": %d, \"seconds\": [",
              threads, reps);
  for (size_t i = 0; i < times.size(); ++i) std::printf("%s%.3f", i ? ", " : "", times[i]);
  std::printf("], \"median_s\": %.3f, \"min_s\": %.3f, \"max_s\": %.3f, \"cider_avg\": %.12f}\n",
              sorted[sorted.size() / 2], sorted.front(), sorted.back(), check);
  return 0;
}
