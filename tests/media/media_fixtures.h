// Videos made at test time with the ffmpeg tool, with content known per second.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "media/image.h"
#include "support/support.h"

namespace vidscribe::testing {

// The colour of second k of a segments video (named as ffmpeg's color source knows them).
struct NamedColour {
  const char* name;
  std::array<int, 3> rgb;
};
inline const std::vector<NamedColour>& segment_colours() {
  static const std::vector<NamedColour> c = {
      {"red", {255, 0, 0}},     {"lime", {0, 255, 0}},      {"blue", {0, 0, 255}},
      {"white", {255, 255, 255}}, {"yellow", {255, 255, 0}}, {"magenta", {255, 0, 255}},
  };
  return c;
}

// A lavfi graph: one second of each segment colour (6 s), size w x h, `rate` frames per second.
inline std::string segments_graph(int w, int h, int rate, int n_seconds = 6) {
  std::string g, labels;
  for (int k = 0; k < n_seconds; ++k) {
    const auto& c = segment_colours()[k % segment_colours().size()];
    g += std::string("color=c=") + c.name + ":s=" + std::to_string(w) + "x" + std::to_string(h) +
         ":r=" + std::to_string(rate) + ":d=1[s" + std::to_string(k) + "];";
    labels += "[s" + std::to_string(k) + "]";
  }
  return g + labels + "concat=n=" + std::to_string(n_seconds) + "[out0]";
}

// Runs `ffmpeg -v error -y ARGS OUT` and fails the test if it fails; returns OUT.
inline std::filesystem::path make_media(const std::filesystem::path& out, const std::string& args) {
  RunResult r = run_command("ffmpeg -nostdin -v error -y " + args + " " + shell_quote(out.string()));
  EXPECT_EQ(r.exit_code, 0) << "ffmpeg failed: " << r.err;
  return out;
}

// A 6-second colour-segments video through the given encoder arguments.
inline std::filesystem::path make_segments(const TempDir& dir, const std::string& name, const std::string& codec_args,
                                           int w = 64, int h = 48, int rate = 25) {
  return make_media(dir / name, "-f lavfi -i " + shell_quote(segments_graph(w, h, rate)) + " " + codec_args);
}

// Largest per-channel difference between the centre pixel of `image` and `rgb`.
inline int centre_error(const media::RgbImage& image, const std::array<int, 3>& rgb) {
  const uint8_t* p = image.at(image.width / 2, image.height / 2);
  int worst = 0;
  for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(static_cast<int>(p[c]) - rgb[c]));
  return worst;
}

}  // namespace vidscribe::testing
