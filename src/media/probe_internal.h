// Internal to media/: probing pieces the sampler reuses on an already open file.
#pragma once

#include <cstdint>
#include <vector>

#include "media/ffmpeg.h"

namespace vidscribe::media::detail {

double to_seconds(int64_t ts, AVRational tb);

struct PacketScan {
  int64_t n_packets = 0;
  int64_t first_pts = 0;   // stream time base
  int64_t end_pts = 0;     // pts + duration of the last packet in presentation order
  bool missing_durations = false;
  bool complete = false;   // scanned to the end of the file
  std::vector<double> intervals_s;  // between consecutive presentation times of the first packets
};

// Reads packets from the current position (the caller seeks back afterwards if it needs to).
PacketScan scan_packets(AVFormatContext* fmt, int stream_index, bool scan_all);

}  // namespace vidscribe::media::detail
