#include "eval/report.h"

#include <algorithm>
#include <cstdio>

namespace vidscribe::eval {
namespace {

std::string label_of(const std::string& metric, const ReportInfo& info) {
  if (metric == "METEOR" && !info.meteor_label.empty()) return info.meteor_label;
  if (metric == "CIDEr") return "CIDEr-D";
  return metric;
}

std::string cell(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", 100.0 * x);
  return buf;
}

}  // namespace

std::string format_table(const EvalResult& r, const ReportInfo& info) {
  std::string out = "Dense-captioning scores (percent), ActivityNet scorer profile " + info.profile + "; " +
                    std::to_string(r.n_reference_videos) + " reference videos, " +
                    std::to_string(r.n_matched_videos) + " of " + std::to_string(r.n_predicted_videos) +
                    " predicted videos among them\n";
  std::vector<size_t> widths;
  std::string header = cell("tIoU", 8);
  for (const auto& m : r.metrics) {
    std::string l = label_of(m, info);
    widths.push_back(std::max<size_t>(l.size(), 7) + 2);
    header += cell(l, widths.back());
  }
  out += header + "\n";
  for (size_t t = 0; t <= r.tious.size(); ++t) {
    char buf[32];
    if (t < r.tious.size()) std::snprintf(buf, sizeof buf, "%.2f", r.tious[t]);
    std::string row = cell(t < r.tious.size() ? buf : "average", 8);
    for (size_t i = 0; i < r.metrics.size(); ++i) {
      const std::string& m = r.metrics[i];
      double v = t < r.tious.size() ? r.per_tiou.at(m)[t] : r.average.at(m);
      row += cell(percent(v), widths[i]);
    }
    out += row + "\n";
  }
  if (info.has_soda) {
    out += info.soda_label + ": precision " + percent(info.soda_precision) + "  recall " +
           percent(info.soda_recall) + "  F1 " + percent(info.soda_f1) + "\n";
  }
  return out;
}

nlohmann::json to_json(const EvalResult& r, const ReportInfo& info) {
  nlohmann::json j;
  j["profile"] = info.profile;
  j["tious"] = r.tious;
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& m : r.metrics) {
    metrics[m] = {{"per_tiou", r.per_tiou.at(m)}, {"average", r.average.at(m)}};
    labels[m] = label_of(m, info);
  }
  j["metrics"] = metrics;
  j["labels"] = labels;
  j["videos"] = {{"reference", r.n_reference_videos},
                 {"predicted", r.n_predicted_videos},
                 {"matched", r.n_matched_videos}};
  if (info.has_soda)
    j["soda_c"] = {{"precision", info.soda_precision},
                   {"recall", info.soda_recall},
                   {"f1", info.soda_f1},
                   {"label", info.soda_label}};
  j["warnings"] = r.warnings;
  return j;
}

}  // namespace vidscribe::eval
