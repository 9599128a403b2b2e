#pragma once
// `vcc-eval score`: scores prediction files with the official metric definitions and prints corpus means as JSON.
#include <iosfwd>
#include <string>
#include <vector>

namespace vcc::eval {

// Exactly one mode: pairs (`input` set) or HotpotQA (`hotpotqa_gold` and `hotpotqa_pred` set).
struct ScoreOptions {
  // Pairs mode: JSON lines {"id", "prediction", "references": [...]}.
  std::string input;
  std::vector<std::string> metrics = {"squad", "rouge"};  // see PairMetrics::parse
  bool rouge_stemmer = false;

  // HotpotQA mode: the official gold file and prediction file.
  std::string hotpotqa_gold;
  std::string hotpotqa_pred;

  // Optional: one JSON line of scores per example, written atomically (temporary name, rename).
  std::string per_example;
};

// Runs the command: the corpus result goes to `out` as one JSON object on one line; notes
// (missing predictions) and errors go to `err`, one line each. Returns 0 on success, 1 on
// any error (nothing is written to `per_example` then).
int run_score(const ScoreOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vcc::eval
