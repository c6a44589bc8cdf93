// Exact bytes of every format for small hand-made inputs, and the edge cases each format must survive.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "export/export.h"
#include "support/support.h"
#include "vidscribe/error.h"

namespace vidscribe::exporter {
namespace {

// Overlapping events, a start that rounds up to a whole second, a newline and markup in captions.
VideoCaptions kitchen() {
  VideoCaptions v;
  v.video = "/data/clips/kitchen.mp4";
  v.duration_s = 75.25;
  v.events = {{0.9995, 12.5, "a man opens the fridge", 0.3125},
              {5.25, 30.0, "he pours milk\ninto a glass", 0.25},
              {40.0, 75.25, "a <b>cat</b> --> & dog", 0.5}};
  v.model_json = R"({"clip":"ViT-B/32","lm":"gpt2"})";
  v.options_json = R"({"seed":0,"events":3})";
  return v;
}

VideoCaptions cooking() {
  VideoCaptions v;
  v.video = "cooking.mp4";
  v.duration_s = 185.5;
  v.events = {{61.6, 90, "frying the onions", 0},  {2.0, 20, "intro to the recipe", 0},
              {8.0, 30, "a close view of a knife", 0}, {15.4, 60, "chopping onions", 0},
              {30.0, 50, "chopping  onions", 0},       {178.0, 185.5, "the dish is served", 0}};
  return v;
}

const std::string kUnicode = "caf\xC3\xA9 \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x8E\xAC";

std::string render1(Format f, const VideoCaptions& v) { return render(f, std::vector<VideoCaptions>{v}); }

ErrorCode error_of(Format f, const std::vector<VideoCaptions>& videos, std::string* message = nullptr) {
  try {
    render(f, videos);
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << format_name(f) << " accepted the input";
  return ErrorCode::kInternal;
}

TEST(FormatNames, ParseAndExtensions) {
  for (const std::string& name : format_names()) EXPECT_EQ(format_name(parse_format(name)), name);
  EXPECT_EQ(parse_format("anet"), Format::kAnet);
  try {
    parse_format("SRTX");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("\"SRTX\"; valid formats: json, anet, srt, vtt, chapters, ffmetadata, txt"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(format_from_extension("out/a.json"), Format::kJson);
  EXPECT_EQ(format_from_extension("a.SRT"), Format::kSrt);
  EXPECT_EQ(format_from_extension("a.vtt"), Format::kVtt);
  EXPECT_EQ(format_from_extension("a.txt"), Format::kTxt);
  EXPECT_EQ(format_from_extension("a.ffmeta"), Format::kFfmetadata);
  EXPECT_EQ(format_from_extension("a.ffmetadata"), Format::kFfmetadata);
  EXPECT_EQ(format_from_extension("-"), std::nullopt);
  EXPECT_EQ(format_from_extension("a.mkv"), std::nullopt);
  EXPECT_EQ(format_from_extension("noext"), std::nullopt);
}

TEST(Json, OneVideoExactBytes) {
  EXPECT_EQ(render1(Format::kJson, kitchen()), R"({
  "video": "/data/clips/kitchen.mp4",
  "duration": 75.25,
  "events": [
    {
      "start": 0.9995,
      "end": 12.5,
      "caption": "a man opens the fridge",
      "score": 0.3125
    },
    {
      "start": 5.25,
      "end": 30.0,
      "caption": "he pours milk\ninto a glass",
      "score": 0.25
    },
    {
      "start": 40.0,
      "end": 75.25,
      "caption": "a <b>cat</b> --> & dog",
      "score": 0.5
    }
  ],
  "model": {
    "clip": "ViT-B/32",
    "lm": "gpt2"
  },
  "options": {
    "seed": 0,
    "events": 3
  }
}
)");
}

TEST(Json, SeveralVideosAreAnArrayNoneIsEmpty) {
  VideoCaptions b = kitchen();
  b.video = "b.mp4";
  b.events.clear();
  b.model_json = "";
  std::string text = render(Format::kJson, {kitchen(), b});
  nlohmann::json j = nlohmann::json::parse(text);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["events"].size(), 3u);
  EXPECT_EQ(j[1]["video"], "b.mp4");
  EXPECT_TRUE(j[1]["events"].is_array() && j[1]["events"].empty());
  EXPECT_TRUE(j[1]["model"].is_object() && j[1]["model"].empty());
  EXPECT_EQ(render(Format::kJson, {}), "[]\n");
}

TEST(Json, UnicodeKeptInvalidBytesReplaced) {
  VideoCaptions v = kitchen();
  v.events = {{0, 1, kUnicode + " \xFF", 0.5}};
  nlohmann::json j = nlohmann::json::parse(render1(Format::kJson, v));
  EXPECT_EQ(j["events"][0]["caption"], kUnicode + " \xEF\xBF\xBD");
}

TEST(Json, EmbeddedModelAndOptionsMustBeObjects) {
  VideoCaptions v = kitchen();
  v.model_json = "[1, 2]";
  std::string message;
  EXPECT_EQ(error_of(Format::kJson, {v}, &message), ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("model_json is not a JSON object"), std::string::npos) << message;
  v.model_json = "{}";
  v.options_json = "{\"seed\": ";
  EXPECT_EQ(error_of(Format::kJson, {v}, &message), ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("options_json"), std::string::npos) << message;
}

TEST(Anet, ExactBytesOfOneVideo) {
  VideoCaptions v = kitchen();
  v.events.resize(2);
  EXPECT_EQ(render1(Format::kAnet, v),
            R"({"results":{"kitchen":[{"sentence":"a man opens the fridge","timestamp":[0.9995,12.5]},)"
            R"({"sentence":"he pours milk into a glass","timestamp":[5.25,30.0]}]},"version":"VERSION 1.0",)"
            R"("external_data":{"used":true,"details":"vidscribe: zero-shot dense captioning (ZeroTA) with )"
            R"(pretrained CLIP and GPT-2; no training on the target dataset"}})"
            "\n");
}

TEST(Anet, RoundTripOfSeveralVideos) {
  VideoCaptions a = kitchen();
  a.events[0].start_s = 76.27719801980197;  // awkward doubles must come back bit for bit
  a.events[0].end_s = 90.0 + 1.0 / 3.0;
  VideoCaptions b;
  b.video = "/x/v_et029cxyEOs.webm";
  b.duration_s = 100;
  b.events = {{0, 84.87181188118811, kUnicode, 0}};
  VideoCaptions c;
  c.video = "whatever.mp4";
  c.video_id = "v_explicit";
  std::vector<VideoCaptions> videos{a, b, c};

  nlohmann::json j = nlohmann::json::parse(render(Format::kAnet, videos));
  ASSERT_EQ(j["results"].size(), 3u);
  const nlohmann::json& ka = j["results"]["kitchen"];
  ASSERT_EQ(ka.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ka[i]["timestamp"][0].get<double>(), a.events[i].start_s);
    EXPECT_EQ(ka[i]["timestamp"][1].get<double>(), a.events[i].end_s);
  }
  EXPECT_EQ(ka[1]["sentence"], "he pours milk into a glass");  // one line
  EXPECT_EQ(j["results"]["v_et029cxyEOs"][0]["sentence"], kUnicode);
  EXPECT_TRUE(j["results"]["v_explicit"].is_array() && j["results"]["v_explicit"].empty());
  EXPECT_EQ(j["version"], "VERSION 1.0");
  EXPECT_EQ(j["external_data"]["used"], true);
}

TEST(Anet, SameShapeAsTheOfficialSample) {
  std::filesystem::path sample = testing::shared_dir() / "evaldata/predictions/tiny_sample.json";
  if (!std::filesystem::exists(sample)) GTEST_SKIP() << "no " << sample;
  nlohmann::json official = nlohmann::json::parse(testing::slurp(sample));
  nlohmann::json ours = nlohmann::json::parse(render1(Format::kAnet, kitchen()));
  std::vector<std::string> official_keys, our_keys;
  for (auto& [k, v] : official.items()) official_keys.push_back(k);
  for (auto& [k, v] : ours.items()) our_keys.push_back(k);
  EXPECT_EQ(our_keys, official_keys);
  EXPECT_EQ(ours["version"].type(), official["version"].type());
  EXPECT_EQ(ours["external_data"]["used"].type(), official["external_data"]["used"].type());
  const nlohmann::json& theirs = official["results"].begin().value()[0];
  const nlohmann::json& mine = ours["results"]["kitchen"][0];
  std::vector<std::string> their_fields, my_fields;
  for (auto& [k, v] : theirs.items()) their_fields.push_back(k);
  for (auto& [k, v] : mine.items()) my_fields.push_back(k);
  EXPECT_EQ(my_fields, their_fields);
  EXPECT_TRUE(mine["sentence"].is_string());
  ASSERT_TRUE(mine["timestamp"].is_array() && mine["timestamp"].size() == 2);
  EXPECT_TRUE(mine["timestamp"][0].is_number_float());
}

TEST(Anet, VideoIdsMustBeDistinctAndPresent) {
  VideoCaptions a = kitchen(), b = kitchen();
  b.video = "/elsewhere/kitchen.mkv";  // same file name stem
  std::string message;
  EXPECT_EQ(error_of(Format::kAnet, {a, b}, &message), ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("\"kitchen\""), std::string::npos) << message;
  b.video_id = "kitchen2";
  EXPECT_NO_THROW(render(Format::kAnet, {a, b}));
  VideoCaptions nameless;
  EXPECT_EQ(error_of(Format::kAnet, {nameless}), ErrorCode::kInvalidArgument);
}

TEST(Srt, ExactBytes) {
  EXPECT_EQ(render1(Format::kSrt, kitchen()),
            "1\n00:00:01,000 --> 00:00:12,500\na man opens the fridge\n\n"
            "2\n00:00:05,250 --> 00:00:30,000\nhe pours milk into a glass\n\n"
            "3\n00:00:40,000 --> 00:01:15,250\na <b>cat</b> -> & dog\n\n");
}

TEST(Srt, HoursUnicodeOrderAndEmptyCaptions) {
  VideoCaptions v;
  v.video = "long.mp4";
  v.duration_s = 7400;
  v.events = {{3599.9995, 7322.5, kUnicode, 0}, {10, 20, " \n ", 0}, {0.0004, 1, "first --->", 0}};
  EXPECT_EQ(render1(Format::kSrt, v),
            "1\n00:00:00,000 --> 00:00:01,000\nfirst ->\n\n"
            "2\n01:00:00,000 --> 02:02:02,500\n" + kUnicode + "\n\n");
  v.events.clear();
  EXPECT_EQ(render1(Format::kSrt, v), "");
}

TEST(Vtt, ExactBytes) {
  EXPECT_EQ(render1(Format::kVtt, kitchen()),
            "WEBVTT\n"
            "\n00:00:01.000 --> 00:00:12.500\na man opens the fridge\n"
            "\n00:00:05.250 --> 00:00:30.000\nhe pours milk into a glass\n"
            "\n00:00:40.000 --> 00:01:15.250\na &lt;b&gt;cat&lt;/b&gt; --&gt; &amp; dog\n");
}

TEST(Vtt, HoursUnicodeAndEmptyList) {
  VideoCaptions v;
  v.video = "long.mp4";
  v.duration_s = 7400;
  v.events = {{3599.9995, 7322.5, kUnicode, 0}};
  EXPECT_EQ(render1(Format::kVtt, v), "WEBVTT\n\n01:00:00.000 --> 02:02:02.500\n" + kUnicode + "\n");
  v.events.clear();
  EXPECT_EQ(render1(Format::kVtt, v), "WEBVTT\n");
}

TEST(Txt, ExactBytesOneAndSeveralVideos) {
  const std::string one =
      "[00:00:01.000 - 00:00:12.500] a man opens the fridge\n"
      "[00:00:05.250 - 00:00:30.000] he pours milk into a glass\n"
      "[00:00:40.000 - 00:01:15.250] a <b>cat</b> --> & dog\n";
  EXPECT_EQ(render1(Format::kTxt, kitchen()), one);
  VideoCaptions b;
  b.video = "b.mp4";
  b.events = {{3599.9995, 3600.5, kUnicode, 0}};
  EXPECT_EQ(render(Format::kTxt, {kitchen(), b}),
            "# /data/clips/kitchen.mp4\n" + one + "\n# b.mp4\n[01:00:00.000 - 01:00:00.500] " + kUnicode + "\n");
  b.events.clear();
  EXPECT_EQ(render1(Format::kTxt, b), "");
}

TEST(Chapters, ExactBytes) {
  EXPECT_EQ(render1(Format::kChapters, cooking()),
            "00:00 intro to the recipe\n"
            "00:15 chopping onions\n"
            "01:02 frying the onions\n");
}

TEST(Chapters, HoursAndUntitled) {
  VideoCaptions v;
  v.video = "talk.mp4";
  v.duration_s = 3725;
  v.events = {{0, 100, "welcome", 0}, {1800, 1900, "\n", 0}, {3600.4, 3700, kUnicode, 0}};
  EXPECT_EQ(render1(Format::kChapters, v), "0:00:00 welcome\n0:30:00 Chapter 2\n1:00:00 " + kUnicode + "\n");
}

TEST(Chapters, TooFewForYoutubeIsAClearError) {
  std::string message;
  EXPECT_EQ(error_of(Format::kChapters, {kitchen()}, &message), ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("at least 3 chapters of at least 10 s"), std::string::npos) << message;
  EXPECT_NE(message.find("give 2"), std::string::npos) << message;
  VideoCaptions empty = kitchen();
  empty.events.clear();
  EXPECT_EQ(error_of(Format::kChapters, {empty}), ErrorCode::kInvalidArgument);
}

TEST(Ffmetadata, ExactBytesAndEscapes) {
  EXPECT_EQ(render1(Format::kFfmetadata, cooking()),
            ";FFMETADATA1\n"
            "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=8000\ntitle=intro to the recipe\n"
            "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=8000\nEND=15400\ntitle=a close view of a knife\n"
            "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=15400\nEND=61600\ntitle=chopping onions\n"
            "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=61600\nEND=178000\ntitle=frying the onions\n"
            "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=178000\nEND=185500\ntitle=the dish is served\n");
  VideoCaptions v;
  v.video = "x.mp4";
  v.duration_s = 2.0;
  v.events = {{0, 2, "a=b; c#d \\ e\nf", 0}};
  EXPECT_EQ(render1(Format::kFfmetadata, v),
            ";FFMETADATA1\n\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=a\\=b\\; c\\#d \\\\ e f\n");
  v.events.clear();
  EXPECT_EQ(render1(Format::kFfmetadata, v), ";FFMETADATA1\n");
}

TEST(SingleVideoFormats, RejectSeveralOrNoVideos) {
  for (Format f : {Format::kSrt, Format::kVtt, Format::kChapters, Format::kFfmetadata}) {
    std::string message;
    EXPECT_EQ(error_of(f, {kitchen(), cooking()}, &message), ErrorCode::kInvalidArgument);
    EXPECT_NE(message.find("holds one video, not 2"), std::string::npos) << message;
    EXPECT_EQ(error_of(f, {}), ErrorCode::kInvalidArgument);
  }
}

TEST(AllFormats, RejectBadTimesNamingTheEvent) {
  VideoCaptions v = kitchen();
  v.events[2].end_s = 39;  // before its start
  for (const std::string& name : format_names()) {
    std::string message;
    EXPECT_EQ(error_of(parse_format(name), {v}, &message), ErrorCode::kInvalidArgument) << name;
    EXPECT_NE(message.find("event 3"), std::string::npos) << name << ": " << message;
  }
}

}  // namespace
}  // namespace vidscribe::exporter
