#pragma once
// SQuAD v1.1 exact match and token F1 (also NarrativeQA/Qasper in SCROLLS), with the max over references.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vcc::eval {

// F1 with its precision and recall, as the SQuAD/HotpotQA scripts compute them.
struct TokenF1 {
  double f1 = 0.0;
  double precision = 0.0;
  double recall = 0.0;
};

// F1 of two token lists: multiset overlap, and all zero when nothing overlaps (so two empty
// lists give 0, as in v1.1; v2.0 would give 1).
TokenF1 token_f1(const std::vector<std::string>& prediction_tokens,
                 const std::vector<std::string>& reference_tokens);

// 1.0 when both normalise to the same string (two empty strings included), else 0.0.
double exact_match(std::string_view prediction, std::string_view reference);
// token_f1(answer_tokens(prediction), answer_tokens(reference)).f1.
double f1_score(std::string_view prediction, std::string_view reference);

// EM and F1 of one prediction against several references: each is the max over references,
// taken independently (they may come from different references).
struct EmF1 {
  double em = 0.0;
  double f1 = 0.0;
};
EmF1 squad_em_f1(std::string_view prediction, const std::vector<std::string>& references);

// The official evaluate(): walk the questions in order; a question without a prediction
// (nullopt) counts in the total and adds 0. Percent: 100.0 * sum / total.
struct SquadCorpusScore {
  double exact_match = 0.0;
  double f1 = 0.0;
};
SquadCorpusScore squad_corpus_score(const std::vector<std::optional<std::string>>& predictions,
                                    const std::vector<std::vector<std::string>>& references);

}  // namespace vcc::eval
