#include "eval/pair_scoring.h"

#include <algorithm>

#include "core/error.h"
#include "eval/rouge_corpus.h"

namespace vcc::eval {

PairMetrics PairMetrics::parse(const std::vector<std::string>& names, bool rouge_stemmer) {
  PairMetrics metrics;
  metrics.rouge_stemmer = rouge_stemmer;
  auto add_rouge = [&](const RougeType& type) {
    const bool seen = std::any_of(metrics.rouge_types.begin(), metrics.rouge_types.end(),
                                  [&](const RougeType& t) { return t.name() == type.name(); });
    if (!seen) metrics.rouge_types.push_back(type);
  };
  for (const std::string& name : names) {
    if (name == "squad") {
      metrics.squad = true;
    } else if (name == "rouge") {
      for (const RougeType& t : standard_rouge_types()) add_rouge(t);
    } else if (name.rfind("rouge", 0) == 0) {
      add_rouge(RougeType::parse(name));
    } else {
      VCC_USER_CHECK(false, "unknown metric '", name,
                     "': expected squad, rouge, or a ROUGE type (rouge1 .. rouge9, rougeL, rougeLsum)");
    }
  }
  VCC_USER_CHECK(metrics.squad || !metrics.rouge_types.empty(),
                 "no metric was asked for: use --metrics squad,rouge (or a subset)");
  return metrics;
}

PairEvaluation score_pairs(const std::vector<PairExample>& pairs, const PairMetrics& metrics) {
  VCC_USER_CHECK(!pairs.empty(), "there are no examples to score");
  std::optional<RougeScorer> scorer;
  if (!metrics.rouge_types.empty()) scorer.emplace(metrics.rouge_types, metrics.rouge_stemmer);

  PairEvaluation out;
  std::vector<std::vector<RougeScore>> rouge_rows;
  double em_sum = 0.0, f1_sum = 0.0;
  for (const PairExample& pair : pairs) {
    ScoredPair scored;
    scored.id = pair.id;
    scored.missing_prediction = !pair.prediction.has_value();
    if (scored.missing_prediction) {
      out.missing_ids.push_back(pair.id);
      scored.rouge.assign(metrics.rouge_types.size(), RougeScore{});
    } else {
      if (metrics.squad) scored.squad = squad_em_f1(*pair.prediction, pair.references);
      if (scorer) scored.rouge = scorer->score_multi(pair.references, *pair.prediction).scores;
    }
    em_sum += scored.squad.em;
    f1_sum += scored.squad.f1;
    if (scorer) rouge_rows.push_back(scored.rouge);
    out.examples.push_back(std::move(scored));
  }
  const auto n = static_cast<double>(pairs.size());
  out.squad_mean = {em_sum / n, f1_sum / n};
  if (scorer) out.rouge_mean = mean_rouge_scores(rouge_rows);
  return out;
}

}  // namespace vcc::eval
