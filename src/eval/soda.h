// SODA_c (fujiso/SODA v1.1): story-oriented dense-captioning score, an order-preserving matching of
// predictions to references maximising the sum of tIoU x METEOR.
#pragma once

#include <cstddef>
#include <vector>

#include "eval/densevid.h"
#include "eval/meteor.h"

namespace vidscribe::eval {

struct SodaOptions {
  bool multi_reference = false;  // soda.py --multi_reference: score each reference file, keep the best F1
  int threads = 2;               // worker threads over videos
};

struct SodaResult {
  double precision = 0, recall = 0, f1 = 0;  // fractions, means over the scored videos
  size_t n_videos = 0;                        // videos with predictions that are in a reference file
};

// SODA_c as soda.py computes it: captions through the PTB tokenizer step; per video the predictions sorted by
// start time (stable), the reference files merged (or, with multi_reference, each file alone) and sorted by
// start time (stable);
// score[g][p] = tIoU(g, p) * METEOR with the reference sentence g as the hypothesis and the prediction p as
// its reference (soda.py's argument order); S = the best order-preserving matching's sum; P = S / #pred,
// R = S / #ref, F1 = 2PR / (P + R). Means over videos that have predictions (an empty prediction list scores 0).
SodaResult soda_c(const std::vector<ReferenceFile>& references, const Submission& submission, const Meteor& meteor,
                  const SodaOptions& options = {});

// The best order-preserving matching's total: max over i1 < i2 < ... and j1 < j2 < ... of sum scores[i][j].
// scores: [rows][cols], non-negative.
double order_preserving_max(const std::vector<std::vector<double>>& scores);

}  // namespace vidscribe::eval
