#include "eval/rouge_corpus.h"

#include "core/error.h"

namespace vcc::eval {

std::vector<RougeScore> mean_rouge_scores(const std::vector<std::vector<RougeScore>>& per_example) {
  VCC_USER_CHECK(!per_example.empty(), "cannot average ROUGE over an empty corpus");
  const size_t types = per_example.front().size();
  std::vector<RougeScore> sum(types);
  for (const std::vector<RougeScore>& row : per_example) {
    VCC_CHECK(row.size() == types, "example has ", row.size(), " ROUGE scores, expected ", types);
    for (size_t t = 0; t < types; ++t) {
      sum[t].precision += row[t].precision;
      sum[t].recall += row[t].recall;
      sum[t].fmeasure += row[t].fmeasure;
    }
  }
  const auto n = static_cast<double>(per_example.size());
  for (RougeScore& s : sum) {
    s.precision /= n;
    s.recall /= n;
    s.fmeasure /= n;
  }
  return sum;
}

std::vector<RougeScore> rouge_corpus_mean(const RougeScorer& scorer, const std::vector<std::string>& predictions,
                                          const std::vector<std::vector<std::string>>& references) {
  VCC_CHECK(predictions.size() == references.size(), "got ", predictions.size(), " predictions for ",
            references.size(), " reference lists");
  std::vector<std::vector<RougeScore>> rows;
  rows.reserve(predictions.size());
  for (size_t i = 0; i < predictions.size(); ++i)
    rows.push_back(scorer.score_multi(references[i], predictions[i]).scores);
  return mean_rouge_scores(rows);
}

}  // namespace vcc::eval
