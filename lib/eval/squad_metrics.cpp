#include "eval/squad_metrics.h"

#include <algorithm>
#include <unordered_map>

#include "core/error.h"
#include "eval/answer_normalization.h"

namespace vcc::eval {

TokenF1 token_f1(const std::vector<std::string>& prediction_tokens,
                 const std::vector<std::string>& reference_tokens) {
  // Counter(pred) & Counter(ref): the per-token minimum of the two counts.
  std::unordered_map<std::string_view, long> reference_counts;
  for (const std::string& t : reference_tokens) ++reference_counts[t];
  long num_same = 0;
  for (const std::string& t : prediction_tokens) {
    auto it = reference_counts.find(t);
    if (it != reference_counts.end() && it->second > 0) {
      --it->second;
      ++num_same;
    }
  }
  if (num_same == 0) return {};
  TokenF1 out;
  // Separate divisions, then ((2*p)*r)/(p+r): the scripts' evaluation order, for bit equality.
  out.precision = static_cast<double>(num_same) / static_cast<double>(prediction_tokens.size());
  out.recall = static_cast<double>(num_same) / static_cast<double>(reference_tokens.size());
  out.f1 = (2 * out.precision * out.recall) / (out.precision + out.recall);
  return out;
}

double exact_match(std::string_view prediction, std::string_view reference) {
  return normalize_answer(prediction) == normalize_answer(reference) ? 1.0 : 0.0;
}

double f1_score(std::string_view prediction, std::string_view reference) {
  return token_f1(answer_tokens(prediction), answer_tokens(reference)).f1;
}

EmF1 squad_em_f1(std::string_view prediction, const std::vector<std::string>& references) {
  VCC_USER_CHECK(!references.empty(), "EM/F1 needs at least one reference answer");
  const std::string normalized_prediction = normalize_answer(prediction);
  const std::vector<std::string> prediction_tokens = answer_tokens(prediction);
  EmF1 best;
  for (const std::string& reference : references) {
    const double em = normalized_prediction == normalize_answer(reference) ? 1.0 : 0.0;
    const double f1 = token_f1(prediction_tokens, answer_tokens(reference)).f1;
    best.em = std::max(best.em, em);
    best.f1 = std::max(best.f1, f1);
  }
  return best;
}

SquadCorpusScore squad_corpus_score(const std::vector<std::optional<std::string>>& predictions,
                                    const std::vector<std::vector<std::string>>& references) {
  VCC_CHECK(predictions.size() == references.size(), "got ", predictions.size(),
            " predictions for ", references.size(), " questions");
  double em_sum = 0.0;
  double f1_sum = 0.0;
  for (size_t i = 0; i < predictions.size(); ++i) {
    if (!predictions[i]) continue;  // unanswered: counts in the total, adds nothing
    const EmF1 s = squad_em_f1(*predictions[i], references[i]);
    em_sum += s.em;
    f1_sum += s.f1;
  }
  const auto total = static_cast<double>(predictions.size());
  SquadCorpusScore out;
  if (predictions.empty()) return out;
  out.exact_match = 100.0 * em_sum / total;
  out.f1 = 100.0 * f1_sum / total;
  return out;
}

}  // namespace vcc::eval
