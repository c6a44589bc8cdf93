// The core claim of the method on planted videos with hand-built models that know the answer: the text
// moves each mask onto its event and names it, and without CLIP's judgement of the text reaching the
// masks they stay where they started.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "caption/tiny_models.h"
#include "caption/zerota.h"

namespace vidscribe::caption {
namespace {

using testing::TinyImageText;
using testing::TinyLm;

using testing::lower;
using testing::planted_video;

// The colour word a caption names most often ("" when none).
std::string named_colour(const std::string& caption) {
  std::string best;
  int best_count = 0;
  for (const auto& colour : testing::kColours) {
    int n = 0;
    const std::string text = " " + lower(caption) + " ";
    for (size_t p = text.find(colour); p != std::string::npos; p = text.find(colour, p + 1)) ++n;
    if (n > best_count) best = colour, best_count = n;
  }
  return best;
}

// Segments of 20 s: red, blue, green, in normalised time.
const std::vector<Span> kTruth = {{0, 1.0 / 3}, {1.0 / 3, 2.0 / 3}, {2.0 / 3, 1}};
const std::vector<std::string> kNames = {"red", "blue", "green"};

struct Outcome {
  double min_tiou = 1;    // over the masks, with the segment each belongs on
  double mean_tiou = 0;
  bool all_named = true;  // every event's caption names its segment's colour
  std::string report;
};

// Runs the optimiser (default options: up to 16 tokens) from `initial`; with `read`, the read-out of
// section 5 too (edges re-fitted to the captions). Event k belongs on segment order[k].
Outcome run_from(const std::vector<Span>& initial, const std::vector<int>& order, bool cut, bool read) {
  const auto video = planted_video({{"red", 20}, {"blue", 20}, {"green", 20}});
  TinyImageText clip;
  TinyLm lm;
  MethodOptions options;
  options.events = 3;
  OptimiserHooks hooks;
  hooks.cut_vision_gradient_to_masks = cut;
  const auto results = optimise_moments(video, initial, clip, lm, options, hooks);
  std::vector<std::pair<Span, std::string>> events;  // in mask order
  if (read) {
    // Match the read-out's events (sorted by time) back to the masks by their captions.
    const auto read_events = read_out(video, results, clip, options);
    for (const auto& r : results) {
      const Event* match = nullptr;
      for (const auto& e : read_events) {
        if (e.caption == r.caption) match = &e;
      }
      events.push_back({match ? Span{match->start_s / 60, match->end_s / 60} : Span{0, 0}, r.caption});
    }
  } else {
    for (const auto& r : results) events.push_back({r.span, r.caption});
  }
  Outcome out;
  for (size_t k = 0; k < events.size(); ++k) {
    const auto seg = static_cast<size_t>(order[k]);
    const double tiou = temporal_iou(events[k].first, kTruth[seg]);
    out.min_tiou = std::min(out.min_tiou, tiou);
    out.mean_tiou += tiou / static_cast<double>(events.size());
    out.all_named = out.all_named && named_colour(events[k].second) == kNames[seg];
    out.report += "[" + std::to_string(events[k].first.start * 60) + ", " + std::to_string(events[k].first.end * 60) +
                  "] '" + events[k].second + "' ";
  }
  return out;
}

double start_mean_tiou(const std::vector<Span>& initial, const std::vector<int>& order) {
  double total = 0;
  for (size_t k = 0; k < initial.size(); ++k) total += temporal_iou(initial[k], kTruth[static_cast<size_t>(order[k])]);
  return total / static_cast<double>(initial.size());
}

struct Misplacement {
  const char* name;
  std::vector<Span> initial;
  std::vector<int> order;  // the segment each mask belongs on
};

const std::vector<Misplacement> kMisplacements = {
    {"shifted by a third of a segment", {{1.0 / 9, 4.0 / 9}, {4.0 / 9, 7.0 / 9}, {7.0 / 9, 1}}, {0, 1, 2}},
    {"too wide", {{0, 0.5}, {0.2, 0.8}, {0.5, 1}}, {0, 1, 2}},
    {"too narrow", {{0.12, 0.2}, {0.45, 0.53}, {0.8, 0.88}}, {0, 1, 2}},
    {"swapped order", {{2.0 / 3 + 0.05, 1}, {0.0, 1.0 / 3 - 0.05}, {1.0 / 3 + 0.05, 2.0 / 3 + 0.1}}, {2, 0, 1}},
};

// The whole method: every event ends on its segment and names it.
TEST(ZeroTaCoreTest, MisplacedMasksEndOnTheirSegmentsAndNameThem) {
  for (const auto& m : kMisplacements) {
    SCOPED_TRACE(m.name);
    const Outcome moved = run_from(m.initial, m.order, false, true);
    EXPECT_GE(moved.min_tiou, 0.8) << moved.report;
    EXPECT_TRUE(moved.all_named) << moved.report;
  }
}

// With the text's influence on the moments cut both ways (no gradient from CLIP's judgement of the text into
// the masks, no re-fit of the edges to the captions), the events stay where they started: the text is what
// moved them.
TEST(ZeroTaCoreTest, WithoutTheTextTheEventsStayMisplaced) {
  for (const auto& m : kMisplacements) {
    if (std::string(m.name) == "too wide") continue;  // the IoU loss alone separates overlapping masks
    SCOPED_TRACE(m.name);
    const Outcome still = run_from(m.initial, m.order, true, false);
    EXPECT_LT(still.min_tiou, 0.8) << still.report;
    EXPECT_LT(still.mean_tiou, start_mean_tiou(m.initial, m.order) + 0.1) << still.report;
  }
}

}  // namespace
}  // namespace vidscribe::caption
