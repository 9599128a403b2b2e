#pragma once
// Corpus-level HotpotQA evaluation exactly as hotpot_evaluate_v1.py's eval(): sums over gold examples / len(gold).
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "eval/hotpotqa_metrics.h"

namespace vcc::eval {

// One entry of the official gold file (only the fields the scorer reads).
struct HotpotGoldExample {
  std::string id;
  std::string answer;
  std::vector<SupportingFact> supporting_facts;
};

// The official prediction file: {"answer": {id: str}, "sp": {id: [[title, idx], ...]}}.
struct HotpotPredictions {
  std::unordered_map<std::string, std::string> answer;
  std::unordered_map<std::string, std::vector<SupportingFact>> sp;
};

// The 12 metrics, in the order the official script prints them. Scale 0..1.
struct HotpotMetrics {
  double em = 0, f1 = 0, prec = 0, recall = 0;
  double sp_em = 0, sp_f1 = 0, sp_prec = 0, sp_recall = 0;
  double joint_em = 0, joint_f1 = 0, joint_prec = 0, joint_recall = 0;

  // (name, value) in the official key order.
  std::vector<std::pair<std::string, double>> named() const;
};

// What one gold example contributed; a part is absent when its prediction id was missing
// (joint needs both parts).
struct HotpotExampleResult {
  std::string id;
  std::optional<HotpotAnswerScore> answer;
  std::optional<HotpotSpScore> sp;
  std::optional<HotpotJointScore> joint;
};

struct HotpotEvaluation {
  HotpotMetrics metrics;
  std::vector<HotpotExampleResult> examples;  // in gold order
  std::vector<std::string> missing_answer;    // gold ids with no predicted answer, in gold order
  std::vector<std::string> missing_sp;        // gold ids with no predicted supporting facts
};

// Walks the gold examples in order. A missing answer id adds 0 to em/f1/prec/recall, a missing
// sp id adds 0 to the sp metrics, and either disables joint for that example; every gold
// example still counts in N. Predicted ids absent from gold are ignored.
HotpotEvaluation evaluate_hotpotqa(const std::vector<HotpotGoldExample>& gold,
                                   const HotpotPredictions& predictions);

}  // namespace vcc::eval
