// The public API (vidscribe/vidscribe.h) on the tiny golden models: contexts, parameters, callbacks, errors.
// Random weights: the captions mean nothing; what is checked is the contract.
#include "vidscribe/vidscribe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/support.h"

namespace vidscribe::testing {
namespace {
namespace fs = std::filesystem;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    golden_ = golden_dir();
    if (!fs::exists(golden_ / "tiny-clip")) GTEST_SKIP() << "no golden models at " << golden_;
    video_ = tmp_ / "planted.mp4";
    const RunResult r = run_command(
        "ffmpeg -loglevel error -y -f lavfi -i color=red:s=64x48:r=5:d=8 -f lavfi -i color=blue:s=64x48:r=5:d=8 "
        "-filter_complex '[0][1]concat=n=2:v=1' -pix_fmt yuv420p " + shell_quote(video_.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  ContextParams context_params(int threads = 1) const {
    ContextParams p;
    p.clip = (golden_ / "tiny-clip").string();
    p.lm = (golden_ / "tiny-gpt2").string();
    p.threads = threads;
    return p;
  }

  CaptionParams caption_params() const {
    CaptionParams p;
    p.options.method.max_tokens = 4;
    p.options.method.n_candidates = 32;
    p.options.method.events = 2;
    p.frame_cache = (tmp_ / "frames").string();
    return p;
  }

  TempDir tmp_;
  fs::path golden_, video_;
};

void expect_same_events(const VideoCaptions& a, const VideoCaptions& b) {
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_DOUBLE_EQ(a.events[i].start_s, b.events[i].start_s) << i;
    EXPECT_DOUBLE_EQ(a.events[i].end_s, b.events[i].end_s) << i;
    EXPECT_EQ(a.events[i].caption, b.events[i].caption) << i;
  }
}

void expect_close_events(const VideoCaptions& a, const VideoCaptions& b) {
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_NEAR(a.events[i].start_s, b.events[i].start_s, 1e-3) << i;
    EXPECT_NEAR(a.events[i].end_s, b.events[i].end_s, 1e-3) << i;
  }
}

TEST_F(ApiTest, TwoContextsCaptioningAtOnceGiveWhatOneAtATimeGives) {
  Context one(context_params(1)), other(context_params(1)), two(context_params(2));
  const CaptionParams p = caption_params();
  const VideoCaptions alone = one.caption_file(video_.string(), p);
  ASSERT_FALSE(alone.events.empty());
  {
    SCOPED_TRACE("same thread counts at once: the same result, bit for bit");
    VideoCaptions a, b;
    std::thread ta([&] { a = one.caption_file(video_.string(), p); });
    std::thread tb([&] { b = other.caption_file(video_.string(), p); });
    ta.join();
    tb.join();
    expect_same_events(alone, a);
    expect_same_events(alone, b);
  }
  {
    // OpenBLAS has one thread pool per process, so a context with 1 thread next to one with 2 may have its
    // products split over 2 threads: sums in another order, the same events within float rounding.
    SCOPED_TRACE("different thread counts at once");
    const VideoCaptions alone_two = two.caption_file(video_.string(), p);
    VideoCaptions a, b;
    std::thread ta([&] { a = one.caption_file(video_.string(), p); });
    std::thread tb([&] { b = two.caption_file(video_.string(), p); });
    ta.join();
    tb.join();
    expect_close_events(alone, alone_two);
    expect_close_events(alone, a);
    expect_close_events(alone_two, b);
  }
  EXPECT_EQ(alone.model_json, one.model_json());
  EXPECT_NE(alone.options_json.find("\"max_tokens\":4"), std::string::npos) << alone.options_json;
}

TEST_F(ApiTest, AbortStopsTheRunWithinOneTokenStep) {
  Context context(context_params());
  CaptionParams p = caption_params();
  p.options.method.max_tokens = 12;
  p.options.method.min_tokens = 12;
  bool captioning = false, aborted = false;
  int polls_while_captioning = 0, reports_after_abort = 0;
  p.callbacks.progress = [&](const std::string& stage, int64_t, int64_t) {
    if (stage.rfind("captioning", 0) != 0) return;
    captioning = true;
    if (aborted) ++reports_after_abort;
  };
  p.callbacks.abort = [&] {
    if (captioning) ++polls_while_captioning;
    aborted = polls_while_captioning >= 2;
    return aborted;
  };
  try {
    context.caption_file(video_.string(), p);
    FAIL() << "the run was not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCancelled) << e.what();
    EXPECT_EQ(exit_status(e.code()), 130);
  }
  EXPECT_TRUE(aborted);
  EXPECT_EQ(polls_while_captioning, 2);  // the poll that said stop was the last: no further token step ran
  EXPECT_EQ(reports_after_abort, 0);     // and no progress was reported as if the stage had finished
  // The context is still usable, and the frame cache entry the cancelled run wrote is whole.
  p.callbacks = {};
  EXPECT_FALSE(context.caption_file(video_.string(), p).events.empty());
}

TEST_F(ApiTest, LogCallbackReceivesTheWarningsAndNothingIsWrittenToStderr) {
  // Half a file: sampling keeps what decodes and warns once.
  const std::string bytes = slurp(video_);
  const fs::path cut = tmp_ / "cut.mp4";
  {
    const RunResult r = run_command("ffmpeg -loglevel error -y -i " + shell_quote(video_.string()) +
                                    " -c copy -f matroska " + shell_quote((tmp_ / "full.mkv").string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string mkv = slurp(tmp_ / "full.mkv");
    std::ofstream(cut, std::ios::binary).write(mkv.data(), static_cast<std::streamsize>(mkv.size() / 2));
  }
  Context context(context_params());
  CaptionParams p = caption_params();
  p.options.method.events = 1;
  std::vector<std::pair<LogLevel, std::string>> messages;
  p.callbacks.log = [&](LogLevel level, const std::string& m) { messages.emplace_back(level, m); };
  p.callbacks.log_level = LogLevel::kDebug;
  std::vector<std::string> stages;
  p.callbacks.progress = [&](const std::string& stage, int64_t, int64_t) {
    if (stages.empty() || stages.back() != stage) stages.push_back(stage);
  };
  ::testing::internal::CaptureStderr();
  context.caption_file(cut.string(), p);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");
  bool warned = false, debugged = false;
  for (const auto& [level, m] : messages) {
    warned |= level == LogLevel::kWarning && m.find("ends early") != std::string::npos;
    debugged |= level == LogLevel::kDebug;
  }
  EXPECT_TRUE(warned);
  EXPECT_TRUE(debugged);
  ASSERT_GE(stages.size(), 2u);
  EXPECT_EQ(stages.front(), "embedding frames");
  EXPECT_EQ(stages.back(), "captioning 1 event");

  // At the default level (info) the debug messages stay out.
  messages.clear();
  p.callbacks.log_level = LogLevel::kInfo;
  p.use_frame_cache = false;
  context.caption_file(cut.string(), p);
  for (const auto& [level, m] : messages) EXPECT_NE(level, LogLevel::kDebug) << m;
}

TEST_F(ApiTest, BadModelFoldersThrowTheCodesTheCommandLineExitsWith) {
  ContextParams missing = context_params();
  missing.clip = (tmp_ / "nowhere").string();
  try {
    Context c(missing);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound) << e.what();
  }
  fs::copy(golden_ / "tiny-clip", tmp_ / "broken", fs::copy_options::recursive);
  fs::remove(tmp_ / "broken" / "model.safetensors");
  std::ofstream(tmp_ / "broken" / "model.safetensors") << "not weights";
  ContextParams broken = context_params();
  broken.clip = (tmp_ / "broken").string();
  int code = -1;
  try {
    Context c(broken);
  } catch (const Error& e) {
    code = exit_status(e.code());
    EXPECT_EQ(e.code(), ErrorCode::kCorruptModel) << e.what();
  }
  const RunResult cli = run_vidscribe("-q caption " + shell_quote(video_.string()) + " --clip " +
                                      shell_quote((tmp_ / "broken").string()) + " --lm " +
                                      shell_quote((golden_ / "tiny-gpt2").string()));
  EXPECT_EQ(cli.exit_code, code) << cli.err;
  ContextParams device = context_params();
  device.device = "tpu";
  EXPECT_THROW(Context c(device), Error);
  ContextParams threads = context_params();
  threads.threads = 5000;
  EXPECT_THROW(Context c(threads), Error);
}

TEST_F(ApiTest, FramesEmbeddedThenCaptionedGiveWhatTheFileGives) {
  Context context(context_params());
  const CaptionParams p = caption_params();
  const VideoEmbeddings frames = context.embed_frames(video_.string(), p);
  ASSERT_EQ(frames.frames.rows, static_cast<int64_t>(frames.times_s.size()));
  EXPECT_NEAR(frames.duration_s, 16.0, 0.3);
  double norm = 0;
  for (int64_t j = 0; j < frames.frames.dim; ++j) norm += frames.frames.row(0)[j] * frames.frames.row(0)[j];
  EXPECT_NEAR(norm, 1.0, 1e-5);
  // Scaled rows are normalised again: the same result.
  Embeddings scaled = frames.frames;
  for (float& v : scaled.data) v *= 3.0f;
  const VideoCaptions from_frames = context.caption_frames(scaled, frames.times_s, frames.duration_s, p);
  expect_same_events(context.caption_file(video_.string(), p), from_frames);

  std::vector<double> backwards = frames.times_s;
  std::swap(backwards[0], backwards[1]);
  EXPECT_THROW(context.caption_frames(frames.frames, backwards, frames.duration_s, p), Error);
  Embeddings wrong = frames.frames;
  wrong.dim += 1;
  EXPECT_THROW(context.caption_frames(wrong, frames.times_s, frames.duration_s, p), Error);
}

TEST_F(ApiTest, TextAndImageEmbeddingsAreUnitRowsOfOneSpace) {
  Context context(context_params());
  const Embeddings t = context.embed_texts({"a red square", "a blue square"});
  ASSERT_EQ(t.rows, 2);
  const RunResult r = run_command("ffmpeg -loglevel error -y -f lavfi -i color=red:s=40x30 -frames:v 1 " +
                                  shell_quote((tmp_ / "red.png").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Embeddings i = context.embed_images({(tmp_ / "red.png").string()});
  ASSERT_EQ(i.rows, 1);
  EXPECT_EQ(i.dim, t.dim);
  for (const Embeddings* e : {&t, &i}) {
    double norm = 0;
    for (int64_t j = 0; j < e->dim; ++j) norm += e->row(0)[j] * e->row(0)[j];
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
  EXPECT_THROW(context.embed_images({(tmp_ / "missing.png").string()}), Error);
}

TEST_F(ApiTest, AClipOnlyContextEmbedsLikeAFullOneAndRefusesToCaption) {
  ContextParams p = context_params();
  p.language_model = false;
  p.lm = (tmp_ / "no-such-folder").string();  // not even looked at
  Context clip_only(p);
  Context full(context_params());
  const Embeddings a = clip_only.embed_texts({"a red square"});
  const Embeddings b = full.embed_texts({"a red square"});
  ASSERT_EQ(a.data.size(), b.data.size());
  for (size_t i = 0; i < a.data.size(); ++i) EXPECT_EQ(a.data[i], b.data[i]);
  EXPECT_EQ(clip_only.embed_frames(video_.string(), caption_params()).frames.data,
            full.embed_frames(video_.string(), caption_params()).frames.data);
  EXPECT_EQ(clip_only.model_json().find("\"lm\""), std::string::npos) << clip_only.model_json();
  try {
    clip_only.caption_file(video_.string(), caption_params());
    ADD_FAILURE() << "a CLIP-only context captioned";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("CLIP only"), std::string::npos) << e.what();
  }
}

TEST(ApiOptions, EveryOptionOfTheTableIsSettableByNameAndItsDefaultReadsBack) {
  const std::vector<OptionInfo> all = caption_options();
  ASSERT_GT(all.size(), 40u);
  CaptionOptions options;
  for (const OptionInfo& o : all) {
    SCOPED_TRACE(o.name);
    EXPECT_EQ(get_option(options, o.name), o.default_value);
    const std::string word = o.type == "text" || o.type == "choice"
                                 ? o.default_value.substr(1, o.default_value.size() - 2)
                                 : o.default_value;
    set_option(options, o.name, word);
    EXPECT_EQ(get_option(options, o.name), o.default_value);
  }
  set_option(options, "events", "3");
  EXPECT_EQ(options.method.events, 3);
  set_option(options, "--token-choice", "lm");
  EXPECT_EQ(options.method.token_choice, TokenChoice::kLanguageModel);
  EXPECT_THROW(set_option(options, "events", "many"), Error);
  EXPECT_THROW(set_option(options, "no-such-option", "1"), Error);
  options.method.min_events = 5;
  options.method.max_events = 2;
  EXPECT_THROW(check_options(options), Error);
  EXPECT_STREQ(version(), VIDSCRIBE_VERSION_STRING);
}

}  // namespace
}  // namespace vidscribe::testing
