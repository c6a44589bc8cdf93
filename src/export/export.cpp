#include "export/export.h"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "export/text.h"
#include "export/writers.h"
#include "util/fs.h"
#include "vidscribe/error.h"

namespace vidscribe::exporter {
namespace {

constexpr Format kAllFormats[] = {Format::kJson,     Format::kAnet,       Format::kSrt, Format::kVtt,
                                  Format::kChapters, Format::kFfmetadata, Format::kTxt};

const VideoCaptions& only_video(Format format, const std::vector<VideoCaptions>& videos) {
  if (videos.size() != 1) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string("the ") + format_name(format) + " format holds one video, not " +
                    std::to_string(videos.size()) + ": write one file per video, or use json, anet or txt");
  }
  return videos[0];
}

}  // namespace

const char* format_name(Format format) {
  switch (format) {
    case Format::kJson: return "json";
    case Format::kAnet: return "anet";
    case Format::kSrt: return "srt";
    case Format::kVtt: return "vtt";
    case Format::kChapters: return "chapters";
    case Format::kFfmetadata: return "ffmetadata";
    case Format::kTxt: return "txt";
  }
  throw Error(ErrorCode::kInternal, "unknown output format value");
}

const std::vector<std::string>& format_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (Format f : kAllFormats) n.emplace_back(format_name(f));
    return n;
  }();
  return names;
}

Format parse_format(std::string_view name) {
  for (Format f : kAllFormats) {
    if (name == format_name(f)) return f;
  }
  std::string valid;
  for (const std::string& n : format_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown output format \"" + std::string(name) + "\"; valid formats: " + valid);
}

std::optional<Format> format_from_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".json") return Format::kJson;
  if (ext == ".srt") return Format::kSrt;
  if (ext == ".vtt") return Format::kVtt;
  if (ext == ".txt") return Format::kTxt;
  if (ext == ".ffmeta" || ext == ".ffmetadata") return Format::kFfmetadata;
  return std::nullopt;
}

std::string render(Format format, const std::vector<VideoCaptions>& videos) {
  for (const VideoCaptions& v : videos) check_times(v);
  switch (format) {
    case Format::kJson: return render_json(videos);
    case Format::kAnet: return render_anet(videos);
    case Format::kSrt: return render_srt(only_video(format, videos));
    case Format::kVtt: return render_vtt(only_video(format, videos));
    case Format::kChapters: return render_youtube_chapters(only_video(format, videos));
    case Format::kFfmetadata: return render_ffmetadata(only_video(format, videos));
    case Format::kTxt: return render_txt(videos);
  }
  throw Error(ErrorCode::kInternal, "unknown output format value");
}

void write_output(const std::filesystem::path& path, Format format, const std::vector<VideoCaptions>& videos) {
  std::string data = render(format, videos);  // before touching the destination: a bad input writes nothing
  if (path == "-") {
    std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    if (!std::cout) throw Error(ErrorCode::kIo, "cannot write to standard output");
    return;
  }
  util::write_file_atomic(path, data);
}

}  // namespace vidscribe::exporter
