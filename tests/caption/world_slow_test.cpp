// The miniature world of ../shared/world: a CLIP and a GPT-2 really trained on rendered scenes of coloured
// shapes, and videos of planted segments. `vidscribe caption` with default options must put an event on
// each segment and name what CLIP can tell apart there (the scoring follows world/score.py).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>

#include "support/support.h"

namespace vidscribe::caption {
namespace {

namespace fs = std::filesystem;
using vidscribe::testing::run_vidscribe;
using vidscribe::testing::shell_quote;

double tiou(double a0, double a1, double b0, double b1) {
  const double inter = std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
  const double uni = std::max(a1, b1) - std::min(a0, b0);
  return uni > 0 ? inter / uni : 0.0;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(WorldSlowTest, CaptionsFollowTheirMomentsWithDefaultOptions) {
  const fs::path world = vidscribe::testing::shared_dir() / "world";
  if (!fs::exists(world / "videos" / "truth.json")) GTEST_SKIP() << "no world at " << world;
  const auto truth = nlohmann::json::parse(vidscribe::testing::slurp(world / "videos" / "truth.json"));
  vidscribe::testing::TempDir tmp;
  const std::string models = " --clip " + shell_quote((world / "models" / "world-clip").string()) + " --lm " +
                             shell_quote((world / "models" / "world-gpt2").string()) + " --frame-cache " +
                             shell_quote((tmp / "frames").string());
  int segments = 0, fg = 0, shape = 0, bg = 0, count_error = 0, distinct = 0;
  double sum_tiou = 0;
  const std::regex shape_word("(\\w+) (circle|square|triangle|star)");
  for (const auto& [id, video] : truth.items()) {
    const auto r = run_vidscribe("-q caption " + shell_quote((world / "videos" / (id + ".mp4")).string()) + models);
    ASSERT_EQ(r.exit_code, 0) << id << ": " << r.err;
    const auto events = nlohmann::json::parse(r.out)["events"];
    ASSERT_FALSE(events.empty()) << id;
    count_error += std::abs(static_cast<int>(events.size()) - static_cast<int>(video["segments"].size()));
    std::set<std::string> captions;
    for (const auto& e : events) captions.insert(lower(e["caption"]));
    distinct += events.size() > 1 && captions.size() > 1;
    for (const auto& s : video["segments"]) {
      ++segments;
      const double s0 = s["start"], s1 = s["end"];
      const auto best = std::max_element(events.begin(), events.end(), [&](const auto& a, const auto& b) {
        return tiou(a["start"], a["end"], s0, s1) < tiou(b["start"], b["end"], s0, s1);
      });
      sum_tiou += tiou((*best)["start"], (*best)["end"], s0, s1);
      const std::string caption = lower((*best)["caption"]);
      const std::string want_fg = s["scene"][0], want_shape = s["scene"][1], want_bg = s["scene"][2];
      std::smatch m;
      fg += std::regex_search(caption, m, shape_word) && m[1] == want_fg;
      shape += caption.find(want_shape) != std::string::npos;
      bg += caption.find(want_bg + " background") != std::string::npos;
      RecordProperty(id + "@" + std::to_string(s0), caption);
    }
  }
  const double n = segments;
  std::printf("world: %d segments, mean best tIoU %.3f, fg %.3f, shape %.3f, bg %.3f, count error %.2f, "
              "distinct %d/%zu\n", segments, sum_tiou / n, fg / n, shape / n, bg / n,
              count_error / double(truth.size()), distinct, truth.size());
  EXPECT_GE(sum_tiou / n, 0.8);
  EXPECT_GE(fg / n, 0.8);
  EXPECT_GE(bg / n, 0.8);
  // The shape: the world's CLIP tells shapes apart in 49% of held-out frames; CLIP's choice among full true-scene
  // captions, given each true segment's mean frame embedding, names the shape in 52-60% of these segments
  // (docs/method-implementation.md). The captioner cannot do better than its judge: chance is 25%.
  EXPECT_GE(shape / n, 0.45);
  EXPECT_LE(count_error / double(truth.size()), 1.0);
  EXPECT_GE(distinct, static_cast<int>(truth.size()) - 1);
}

}  // namespace
}  // namespace vidscribe::caption
