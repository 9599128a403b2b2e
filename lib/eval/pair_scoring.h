#pragma once
// Scores prediction/reference pairs with SQuAD EM/F1 and ROUGE: per example and as corpus means (0..1 scale).
#include <optional>
#include <string>
#include <vector>

#include "eval/pairs_file.h"
#include "eval/rouge_scorer.h"
#include "eval/squad_metrics.h"

namespace vcc::eval {

// Which metrics to compute.
struct PairMetrics {
  bool squad = false;                 // EM and F1, max over references
  std::vector<RougeType> rouge_types; // score_multi over references
  bool rouge_stemmer = false;         // rouge-score's use_stemmer

  // Names: "squad" (em + f1), "rouge" (rouge1, rouge2, rougeL, rougeLsum), or single ROUGE
  // types (rouge1 .. rouge9, rougeL, rougeLsum). Repeats are ignored. Throws vcc::Error
  // listing the accepted names for anything else, or for an empty list.
  static PairMetrics parse(const std::vector<std::string>& names, bool rouge_stemmer);
};

struct ScoredPair {
  std::string id;
  bool missing_prediction = false;
  EmF1 squad;                     // when PairMetrics::squad
  std::vector<RougeScore> rouge;  // aligned with PairMetrics::rouge_types
};

struct PairEvaluation {
  std::vector<ScoredPair> examples;  // input order
  EmF1 squad_mean;
  std::vector<RougeScore> rouge_mean;
  std::vector<std::string> missing_ids;  // examples whose prediction was null
};

// A missing prediction scores 0 on every metric and still counts in N; the means are the
// values summed in input order and divided once by N.
PairEvaluation score_pairs(const std::vector<PairExample>& pairs, const PairMetrics& metrics);

}  // namespace vcc::eval
