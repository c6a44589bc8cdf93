// Output of `vidscribe eval`: a readable table or machine-readable JSON of an EvalResult.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "eval/densevid.h"

namespace vidscribe::eval {

// What the numbers were computed with, printed beside them.
struct ReportInfo {
  std::string profile;        // "2018" or "2021"
  std::string meteor_label;   // "METEOR (no paraphrase)" or "METEOR"
  bool has_soda = false;
  double soda_precision = 0, soda_recall = 0, soda_f1 = 0;
  std::string soda_label;     // "SODA_c (no paraphrase)" or "SODA_c"
};

// Rows per tIoU plus an "average" row, values in percent with 2 decimals, then the SODA_c line.
std::string format_table(const EvalResult& result, const ReportInfo& info);

// {"profile", "tious", "metrics": {name: {"per_tiou": [...], "average": x}}, "labels": {...}, "videos": {...},
//  "soda_c": {"precision", "recall", "f1", "label"}, "warnings": [...]}; values are fractions, full precision.
nlohmann::json to_json(const EvalResult& result, const ReportInfo& info);

}  // namespace vidscribe::eval
