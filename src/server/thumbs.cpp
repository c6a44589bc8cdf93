#include "server/thumbs.h"

#include <algorithm>
#include <cmath>

#include "media/image.h"
#include "media/preprocess.h"
#include "media/sampler.h"
#include "vidscribe/error.h"

namespace vidscribe::server {

std::string Thumbnails::get(const std::string& path, int64_t size, int64_t mtime_ns, double t_s) {
  // Times a tenth of a second apart share a thumbnail: the page asks for them at that precision.
  const auto tenth = static_cast<int64_t>(std::llround(std::max(0.0, t_s) * 10));
  const std::string key = path + '\n' + std::to_string(size) + '\n' + std::to_string(mtime_ns) + '\n' + std::to_string(tenth);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) {
      uses_.splice(uses_.begin(), uses_, it->second.use);
      return it->second.jpeg;
    }
  }
  // Decoded outside the lock: thumbnails of different videos are made side by side.
  media::SamplingOptions so;
  so.times = {static_cast<double>(tenth) / 10};
  so.threads = 1;
  media::RgbImage picture;
  media::sample_frames(path, so, [&](media::Frame&& f) {
    if (picture.pixels.empty()) picture = std::move(f.image);
  });
  if (picture.pixels.empty()) throw Error(ErrorCode::kUnsupportedMedia, "no frame of " + path + " could be decoded");
  if (picture.width > kWidth) {
    const int height = std::max(1, static_cast<int>(std::lround(static_cast<double>(picture.height) * kWidth / picture.width)));
    picture = media::resize_bicubic(picture, kWidth, height);
  }
  std::string jpeg = media::encode_image(picture, media::ImageFormat::kJpeg);

  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.count(key) == 0 && jpeg.size() <= max_bytes_) {
    uses_.push_front(key);
    entries_[key] = Entry{jpeg, uses_.begin()};
    bytes_ += jpeg.size();
    while (bytes_ > max_bytes_) {
      auto last = entries_.find(uses_.back());
      bytes_ -= last->second.jpeg.size();
      entries_.erase(last);
      uses_.pop_back();
    }
  }
  return jpeg;
}

size_t Thumbnails::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

}  // namespace vidscribe::server
