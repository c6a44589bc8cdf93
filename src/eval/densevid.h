// Dense-captioning evaluation of the official ActivityNet Captions scorer (evaluate2018.py / evaluate2021.py).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vidscribe::eval {

// One captioned event: [start_s, end_s] as written (reversed segments are kept as they are, like the scorer).
struct Segment {
  double start_s = 0;
  double end_s = 0;
  std::string sentence;
};

// video id -> its events in file order.
using VideoEvents = std::map<std::string, std::vector<Segment>>;

// A reference file: {video_id: {"duration", "timestamps": [[s, e], ...], "sentences": [...]}}.
struct ReferenceFile {
  std::string name;  // the path, for messages
  VideoEvents videos;
};

// A submission: {"results": {video_id: [{"sentence", "timestamp": [s, e]}, ...]}, "version", "external_data"},
// what `vidscribe caption --format anet` writes. Each video keeps its first `max_proposals` events.
struct Submission {
  std::string name;
  VideoEvents videos;
  std::vector<std::string> warnings;  // reversed segments, empty video lists
};

// Throw vidscribe::Error (kNotFound, kIo, kInvalidArgument) with a message naming the file and the entry.
ReferenceFile load_references(const std::filesystem::path& path);
Submission load_submission(const std::filesystem::path& path, int max_proposals = 1000);
ReferenceFile parse_references(const std::string& json_text, const std::string& name);
Submission parse_submission(const std::string& json_text, const std::string& name, int max_proposals = 1000);

// Which official scorer to follow: they differ only in the garbage reference of unmatched predictions.
enum class Profile {
  k2018,  // "abc123!@#"
  k2021,  // a random lowercase word of 10-20 letters (seeded here, so runs repeat)
};

// METEOR over one video's pairs (hypothesis, reference), both already tokenized: the pooled score.
using MeteorFn = std::function<double(const std::vector<std::pair<const std::string*, const std::string*>>&)>;

struct EvalOptions {
  std::vector<double> tious{0.3, 0.5, 0.7, 0.9};  // --tiou
  Profile profile = Profile::k2018;               // --profile
  uint64_t seed = 0;                              // --seed: the 2021 profile's random garbage words
  bool language = true;                           // false: Recall/Precision only
  MeteorFn meteor;                                // empty: no METEOR column
  int threads = 2;                                // worker threads over the tIoU thresholds
};

// Metric name ("Bleu_1".."Bleu_4", "METEOR", "ROUGE_L", "CIDEr", "Recall", "Precision") -> value per tIoU, and
// the mean over the thresholds. Fractions (not percent), like the official JSON.
struct EvalResult {
  std::vector<double> tious;
  std::vector<std::string> metrics;  // in the official order
  std::map<std::string, std::vector<double>> per_tiou;
  std::map<std::string, double> average;
  size_t n_reference_videos = 0;  // union over the reference files
  size_t n_predicted_videos = 0;  // videos in the submission
  size_t n_matched_videos = 0;    // both ("available video number")
  std::vector<std::string> warnings;
};

// tIoU of the official code: intersection / (union + 1e-8), union = min(span, sum of lengths).
double tiou(double start_a, double end_a, double start_b, double end_b);

// The whole evaluation. Every reference video counts in every mean (without predictions it scores 0).
EvalResult evaluate(const std::vector<ReferenceFile>& references, const Submission& submission,
                    const EvalOptions& options);

}  // namespace vidscribe::eval
