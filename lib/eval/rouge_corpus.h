#pragma once
// Corpus ROUGE as the plain arithmetic mean of per-example scores (deterministic; not rouge-score's bootstrap "mid").
#include <string>
#include <vector>

#include "eval/rouge_scorer.h"

namespace vcc::eval {

// Mean of P, R and F separately for each type: summed in example order, divided once by N.
// Every row must have one score per type.
std::vector<RougeScore> mean_rouge_scores(const std::vector<std::vector<RougeScore>>& per_example);

// score_multi(references[i], predictions[i]) for each example, then mean_rouge_scores.
std::vector<RougeScore> rouge_corpus_mean(const RougeScorer& scorer, const std::vector<std::string>& predictions,
                                          const std::vector<std::vector<std::string>>& references);

}  // namespace vcc::eval
