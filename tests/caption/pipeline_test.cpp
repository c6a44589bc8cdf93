// The whole path from a video file to events: ffmpeg-made planted videos through the media stage, the
// frame cache and the optimiser; and `vidscribe caption` on the tiny golden models.
#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include <cstring>

#include "caption/frame_cache.h"
#include "caption/option_table.h"
#include "caption/pipeline.h"
#include "caption/zerota.h"
#include "support/support.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "tiny_models.h"

namespace vidscribe::caption {
namespace {
namespace fs = std::filesystem;
using vidscribe::testing::run_command;
using vidscribe::testing::run_vidscribe;
using vidscribe::testing::shell_quote;
using vidscribe::testing::TempDir;

// A video of consecutive single-colour segments, 5 frames per second, made by the ffmpeg tool.
fs::path make_colour_video(const TempDir& dir, const std::vector<std::pair<std::string, int>>& segments) {
  std::string inputs, chain;
  for (size_t i = 0; i < segments.size(); ++i) {
    inputs += " -f lavfi -i color=" + segments[i].first + ":s=64x48:r=5:d=" + std::to_string(segments[i].second);
    chain += "[" + std::to_string(i) + "]";
  }
  fs::path out = dir / "planted.mp4";
  auto r = run_command("ffmpeg -loglevel error -y" + inputs + " -filter_complex '" + chain +
                       "concat=n=" + std::to_string(segments.size()) + ":v=1' -pix_fmt yuv420p " +
                       shell_quote(out.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

double tiou(double a0, double a1, double b0, double b1) {
  double inter = std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
  double uni = std::max(a1, b1) - std::min(a0, b0);
  return uni > 0 ? inter / uni : 0.0;
}

TEST(PipelineTest, PlantedColourVideoThroughTheMediaStage) {
  TempDir tmp;
  fs::path video = make_colour_video(tmp, {{"red", 20}, {"blue", 20}, {"green", 20}});
  testing::TinyImageText image_text;
  FrameEmbeddingOptions frame_options;
  frame_options.preprocess.resize_short_side = 8;
  frame_options.preprocess.crop_size = 8;
  frame_options.preprocess.mean = {0, 0, 0};  // TinyImageText reads plain [0, 1] RGB
  frame_options.preprocess.std = {1, 1, 1};
  frame_options.model_id = "tiny-colour";
  FrameEmbeddings frames = embed_video_frames(video, frame_options, [&](const std::vector<media::ImageTensor>& batch) {
    torch::Tensor pixels = torch::empty({static_cast<int64_t>(batch.size()), 3, 8, 8});
    for (size_t i = 0; i < batch.size(); ++i) {
      std::memcpy(pixels[static_cast<int64_t>(i)].data_ptr<float>(), batch[i].data.data(), 3 * 64 * sizeof(float));
    }
    torch::Tensor e = image_text.embed_frames(pixels).contiguous();
    return std::vector<float>(e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
  });
  ASSERT_EQ(frames.n_frames(), 60);
  EXPECT_NEAR(frames.duration_s, 60.0, 0.3);

  VideoFrames input;
  input.embeddings = torch::from_blob(frames.data.data(), {frames.n_frames(), frames.dim}).clone();
  input.times_s = frames.times_s;
  input.duration_s = frames.duration_s;
  testing::TinyLm lm;
  MethodOptions options;
  options.events = 3;
  options.n_candidates = 30;
  std::vector<Event> events = caption_video(input, image_text, lm, options);
  ASSERT_EQ(events.size(), 3u);
  const char* colours[] = {"red", "blue", "green"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(tiou(events[i].start_s, events[i].end_s, 20.0 * i, 20.0 * (i + 1)), 0.8)
        << events[i].start_s << " - " << events[i].end_s << " " << events[i].caption;
    std::string lower = events[i].caption;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_NE(lower.find(colours[i]), std::string::npos) << events[i].caption;
  }
}

TEST(PipelineTest, WindowCount) {
  EXPECT_EQ(window_count(30, 600), 1);
  EXPECT_EQ(window_count(600, 600), 1);
  EXPECT_EQ(window_count(601, 600), 2);
  EXPECT_EQ(window_count(3600, 600), 6);
  EXPECT_EQ(window_count(100, 0), 1);
}

// `vidscribe caption` on the tiny golden models (random weights: the captions mean nothing, the
// structure must be right).
class CaptionCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    golden_ = vidscribe::testing::golden_dir();
    if (!fs::exists(golden_ / "tiny-clip")) GTEST_SKIP() << "no golden models at " << golden_;
    video_ = make_colour_video(tmp_, {{"red", 10}, {"blue", 10}, {"green", 10}});
  }
  std::string base() const {
    return "-q caption " + shell_quote(video_.string()) + " --clip " + shell_quote((golden_ / "tiny-clip").string()) +
           " --lm " + shell_quote((golden_ / "tiny-gpt2").string()) + " --max-tokens 4 --candidates 32 --frame-cache " +
           shell_quote((tmp_ / "frames").string());
  }
  TempDir tmp_;
  fs::path golden_, video_;
};

TEST_F(CaptionCliTest, JsonIsValidSortedInsideTheVideoAndDeterministic) {
  auto a = run_vidscribe(base() + " --events 3");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto j = nlohmann::json::parse(a.out);
  EXPECT_NEAR(j["duration"].get<double>(), 30.0, 0.3);
  ASSERT_GE(j["events"].size(), 1u);
  double previous = -1;
  for (const auto& e : j["events"]) {
    double s = e["start"], t = e["end"];
    EXPECT_LE(0.0, s);
    EXPECT_LE(s, t);
    EXPECT_LE(t, j["duration"].get<double>() + 1e-9);
    EXPECT_LE(previous, s);
    previous = s;
    EXPECT_FALSE(e["caption"].get<std::string>().empty());
  }
  EXPECT_EQ(j["options"]["events"], 3);
  EXPECT_EQ(j["options"]["candidates"], 32);
  // The second run reads the cached frame embeddings and must give the same bytes.
  int entries = 0;
  for (const auto& f : fs::directory_iterator(tmp_ / "frames")) entries += f.path().extension() == ".vsfe";
  EXPECT_EQ(entries, 1);
  auto b = run_vidscribe(base() + " --events 3");
  EXPECT_EQ(a.out, b.out);
}

TEST_F(CaptionCliTest, SubtitleFormatsFromExtensionAndWindows) {
  auto r = run_vidscribe(base() + " --window 12 -o " + shell_quote((tmp_ / "out.srt").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string srt = vidscribe::testing::slurp(tmp_ / "out.srt");
  EXPECT_EQ(srt.rfind("1\n00:00:", 0), 0u) << srt;
  // 30 s in windows of at most 12 s: three windows of 10 s, each with its own events.
  EXPECT_NE(srt.find("\n00:00:1"), std::string::npos) << srt;  // an event starts in the second window
  EXPECT_NE(srt.find("\n00:00:2"), std::string::npos) << srt;  // and in the third
  r = run_vidscribe(base() + " --whole --format vtt");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("WEBVTT\n\n00:00:00.000 --> 00:00:30.", 0), 0u) << r.out;
}

TEST_F(CaptionCliTest, SeveralVideosInOneActivityNetFile) {
  fs::copy_file(video_, tmp_ / "second.mp4");
  auto r = run_vidscribe(base() + " " + shell_quote((tmp_ / "second.mp4").string()) + " --format anet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["results"].contains("planted"));
  EXPECT_TRUE(j["results"].contains("second"));
}

// --help, the output's "options" record and the table agree; the record names each model by its content.
TEST_F(CaptionCliTest, HelpAndRecordCoverEveryOptionAndModelsAreNamedByContent) {
  auto help = run_vidscribe("caption --help");
  ASSERT_EQ(help.exit_code, 0) << help.err;
  for (const auto& spec : option_table()) {
    EXPECT_NE(help.out.find("--" + spec.name + " "), std::string::npos) << spec.name;
    if (spec.type == OptionSpec::Type::kBool) EXPECT_NE(help.out.find("--no-" + spec.name), std::string::npos);
  }
  auto r = run_vidscribe(base() + " --events 2 --min-width 3 --no-refit-edges --token-choice lm --lr-w 0.002");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& record = j["options"];
  for (const auto& spec : option_table()) EXPECT_TRUE(record.contains(spec.key())) << spec.key();
  EXPECT_EQ(record["min_width"], 3.0);
  EXPECT_EQ(record["refit_edges"], false);
  EXPECT_EQ(record["token_choice"], "lm");
  EXPECT_EQ(record["lr_w"], 0.002);
  EXPECT_EQ(record["preset"], "paper");
  // The record minus "preset" is a complete description the library reads back.
  auto method_record = record;
  method_record.erase("preset");
  EXPECT_EQ(options_record(options_from_record(method_record)), method_record);
  EXPECT_EQ(j["model"]["clip"]["sha256"],
            util::sha256_file_hex(golden_ / "tiny-clip" / "model.safetensors"));
  EXPECT_EQ(j["model"]["lm"]["sha256"],
            util::sha256_file_hex(golden_ / "tiny-gpt2" / "model.safetensors"));
}

TEST_F(CaptionCliTest, BadOptionValueIsAUsageErrorOnOneLine) {
  for (const char* bad : {"--fps nan", "--fps 1e400", "--events -1", "--candidates abc", "--lr-prefix inf",
                          "--token-choice beam", "--min-events 5 --max-events 3", "--fusion 1.5",
                          "--max-tokens 500" /* beyond the LM's 128 positions: known before any work */}) {
    auto r = run_vidscribe(base() + " " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 2) << bad << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << bad;
  }
  auto r = run_vidscribe("--threads 100000 " + base().substr(3));  // once waited forever for the threads
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_vidscribe(base() + " --prompt \"$(printf 'bad \\377 byte')\"");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("UTF-8"), std::string::npos) << r.err;
}

// -o /dev/stdout, /dev/null: written straight to, never replaced by a renamed file (which, as root, would
// turn /dev/stdout into a regular file for every later program).
TEST_F(CaptionCliTest, DevicesAsOutputAreWrittenStraightTo) {
  auto r = run_vidscribe(base() + " --events 2 --format txt -o /dev/stdout");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("[00:00:", 0), 0u) << r.out;
  r = run_vidscribe(base() + " --events 2 --format txt -o /dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(fs::is_symlink("/dev/stdout") || fs::is_character_file("/dev/stdout"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

// A frame cache that cannot be made (a file in the way, read-only, full) costs a warning, not the run.
TEST_F(CaptionCliTest, UnwritableFrameCacheIsAWarning) {
  util::write_file_atomic(tmp_ / "a-file", "x");
  auto r = run_vidscribe("caption " + shell_quote(video_.string()) + " --clip " +
                         shell_quote((golden_ / "tiny-clip").string()) + " --lm " +
                         shell_quote((golden_ / "tiny-gpt2").string()) +
                         " --max-tokens 4 --candidates 32 --events 2 --frame-cache " +
                         shell_quote((tmp_ / "a-file" / "cache").string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("cannot store frame embeddings"), std::string::npos) << r.err;
  EXPECT_FALSE(nlohmann::json::parse(r.out)["events"].empty());
}

// Ctrl-C (SIGINT) during the token steps: the run stops at the next step with exit 130 and one line, the
// output is not written and no temporary file is left.
TEST_F(CaptionCliTest, InterruptStopsCleanlyWithExit130AndNoOutput) {
  const fs::path out = tmp_ / "out" / "captions.json";
  fs::create_directories(out.parent_path());
  const std::string command = vidscribe::testing::vidscribe_command(
      "-v caption " + shell_quote(video_.string()) + " --clip " + shell_quote((golden_ / "tiny-clip").string()) +
      " --lm " + shell_quote((golden_ / "tiny-gpt2").string()) +
      " --max-tokens 16 --min-tokens 16 --candidates 32 --events 3 --no-cache -o " + shell_quote(out.string()));
  const std::string err = (tmp_ / "err.txt").string();
  // Wait for the first token step's log line, then interrupt.
  const auto r = run_command(command + " 2> " + shell_quote(err) + " & pid=$!; " +
                             "for i in $(seq 600); do grep -q ' step 0:' " + shell_quote(err) +
                             " && break; sleep 0.05; done; kill -INT $pid; wait $pid; echo \"exit $?\"");
  EXPECT_NE(r.out.find("exit 130"), std::string::npos) << r.out << vidscribe::testing::slurp(err);
  const std::string log = vidscribe::testing::slurp(err);
  EXPECT_NE(log.find("vidscribe: cancelled"), std::string::npos) << log;
  EXPECT_EQ(log.find("internal error"), std::string::npos) << log;
  EXPECT_TRUE(fs::is_empty(out.parent_path())) << "the output folder holds a file";
}

TEST_F(CaptionCliTest, BadInputIsOneClearLine) {
  const std::string models = " --clip " + shell_quote((golden_ / "tiny-clip").string()) + " --lm " +
                             shell_quote((golden_ / "tiny-gpt2").string()) + " --no-cache";
  util::write_file_atomic(tmp_ / "noise.mp4", std::string(5000, '\x17'));
  auto r = run_vidscribe("caption " + shell_quote((tmp_ / "noise.mp4").string()) + models);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("not a video"), std::string::npos) << r.err;

  r = run_vidscribe("caption " + shell_quote((tmp_ / "missing.mp4").string()) + models);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("missing.mp4"), std::string::npos) << r.err;

  // A named model that is not downloaded says which pull to run.
  r = run_vidscribe("caption " + shell_quote(video_.string()) + " --preset fast --models-cache " +
                    shell_quote((tmp_ / "empty-cache").string()));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("vidscribe models pull clip-vit-b-32"), std::string::npos) << r.err;

  // A model folder without its weights names the missing file.
  fs::create_directories(tmp_ / "broken-clip");
  fs::copy_file(golden_ / "tiny-clip" / "config.json", tmp_ / "broken-clip" / "config.json");
  r = run_vidscribe("caption " + shell_quote(video_.string()) + " --clip " +
                    shell_quote((tmp_ / "broken-clip").string()) + " --lm " +
                    shell_quote((golden_ / "tiny-gpt2").string()));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("broken-clip"), std::string::npos) << r.err;

  r = run_vidscribe(base() + " --format docx");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("docx"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n') <= 2, true) << r.err;
}

}  // namespace
}  // namespace vidscribe::caption
