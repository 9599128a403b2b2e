#include "eval/scrolls_rouge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "eval/rouge_scorer.h"

namespace vcc::eval {

ScrollsRouge scrolls_rouge(const std::vector<std::string>& predictions,
                           const std::vector<std::vector<std::string>>& references) {
  VCC_CHECK(predictions.size() == references.size(), "got ", predictions.size(), " predictions for ",
            references.size(), " reference lists");
  VCC_USER_CHECK(!predictions.empty(), "cannot compute the SCROLLS ROUGE score of an empty corpus");
  const RougeScorer scorer({RougeType::parse("rouge1"), RougeType::parse("rouge2"), RougeType::parse("rougeL")},
                           /*use_stemmer=*/false);
  double sums[3] = {0.0, 0.0, 0.0};
  for (size_t i = 0; i < predictions.size(); ++i) {
    VCC_USER_CHECK(!references[i].empty(), "example ", i, " has no reference");
    double best[3] = {0.0, 0.0, 0.0};
    for (size_t r = 0; r < references[i].size(); ++r) {
      const std::vector<RougeScore> s = scorer.score(references[i][r], predictions[i]);
      for (int t = 0; t < 3; ++t) best[t] = r == 0 ? s[t].fmeasure * 100 : std::max(best[t], s[t].fmeasure * 100);
    }
    for (int t = 0; t < 3; ++t) sums[t] += best[t];
  }
  const auto n = static_cast<double>(predictions.size());
  ScrollsRouge out;
  out.rouge1 = sums[0] / n;
  out.rouge2 = sums[1] / n;
  out.rougeL = sums[2] / n;
  out.geometric_mean = std::pow(out.rouge1 * out.rouge2 * out.rougeL, 1.0 / 3.0);
  return out;
}

double python_round(double x, int digits) {
  if (!std::isfinite(x)) return x;
  // glibc's printf writes the correctly rounded decimal of the exact binary value, ties to
  // even, which is what CPython's round() computes through dtoa.
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, x);
  return std::strtod(buffer, nullptr);
}

ScrollsRouge round_scrolls_rouge(const ScrollsRouge& score) {
  return {python_round(score.rouge1, 4), python_round(score.rouge2, 4), python_round(score.rougeL, 4),
          python_round(score.geometric_mean, 4)};
}

}  // namespace vcc::eval
