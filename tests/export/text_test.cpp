#include "export/text.h"

#include <gtest/gtest.h>

#include <limits>

#include "vidscribe/error.h"

namespace vidscribe::exporter {
namespace {

TEST(SanitizeUtf8, KeepsValidTextAndReplacesEachBadByte) {
  const std::string valid = "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\xAC";  // "café 日本 🎬"
  EXPECT_EQ(sanitize_utf8(valid), valid);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(sanitize_utf8("a\xFF" "b"), "a" + fffd + "b");
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), fffd + fffd);          // overlong '/'
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), fffd + fffd + fffd);  // UTF-16 surrogate
  EXPECT_EQ(sanitize_utf8("x\xE2\x82"), "x" + fffd + fffd);    // truncated at the end
  EXPECT_EQ(sanitize_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // above U+10FFFF
}

TEST(OneLine, LineBreaksAndControlsBecomeOneSpace) {
  EXPECT_EQ(one_line("  a man\r\n\r\nopens\tthe\x0b fridge  "), "a man opens the fridge");
  EXPECT_EQ(one_line("first\xE2\x80\xA8second\xC2\x85third"), "first second third");  // U+2028, U+0085
  EXPECT_EQ(one_line("\n\n"), "");
  EXPECT_EQ(one_line("caf\xC3\xA9\n\xE6\x97\xA5"), "caf\xC3\xA9 \xE6\x97\xA5");
}

TEST(Timecode, RoundsToTheNearestMillisecondAndCarries) {
  EXPECT_EQ(to_ms(0.9995), 1000);
  EXPECT_EQ(to_ms(0.9994), 999);
  EXPECT_EQ(to_ms(1.0005), 1001);
  EXPECT_EQ(clock_ms(to_ms(59.9996), ','), "00:01:00,000");
  EXPECT_EQ(clock_ms(to_ms(3599.9995), '.'), "01:00:00.000");
  EXPECT_EQ(clock_ms(to_ms(7322.5), ','), "02:02:02,500");
  EXPECT_EQ(clock_ms(to_ms(360000.0), ','), "100:00:00,000");
  EXPECT_EQ(clock_s(62, false), "01:02");
  EXPECT_EQ(clock_s(3725, true), "1:02:05");
  EXPECT_EQ(clock_s(0, true), "0:00:00");
}

TEST(Escapes, VttAndFfmetadata) {
  EXPECT_EQ(escape_vtt("a <b>c</b> --> & d"), "a &lt;b&gt;c&lt;/b&gt; --&gt; &amp; d");
  EXPECT_EQ(escape_ffmetadata("a=b;c#d\\e\nf"), "a\\=b\\;c\\#d\\\\e\\\nf");
}

TEST(CheckTimes, RejectsTimesOutsideTheContract) {
  VideoCaptions v;
  v.video = "clip.mp4";
  v.duration_s = 10;
  v.events = {{0, 1, "ok", 0}, {2, 1, "reversed", 0}};
  try {
    check_times(v);
    FAIL() << "reversed event accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("clip.mp4, event 2"), std::string::npos) << e.what();
  }
  v.events = {{-0.5, 1, "negative", 0}};
  EXPECT_THROW(check_times(v), Error);
  v.events = {{std::numeric_limits<double>::quiet_NaN(), 1, "nan", 0}};
  EXPECT_THROW(check_times(v), Error);
  v.events = {{0, std::numeric_limits<double>::infinity(), "inf", 0}};
  EXPECT_THROW(check_times(v), Error);
  v.events = {{1, 1, "zero length is fine", 0}};
  EXPECT_NO_THROW(check_times(v));
  v.duration_s = -1;
  EXPECT_THROW(check_times(v), Error);
}

}  // namespace
}  // namespace vidscribe::exporter
