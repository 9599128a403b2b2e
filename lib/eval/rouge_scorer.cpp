#include "eval/rouge_scorer.h"

#include <algorithm>
#include <unordered_map>

#include "core/error.h"
#include "eval/rouge_tokenizer.h"

namespace vcc::eval {
namespace {

using Tokens = std::vector<std::string>;

// Multiset of the n-grams of `tokens`. Tokens are [a-z0-9]+, so joining with a space is an
// unambiguous key.
std::unordered_map<std::string, long> ngram_counts(const Tokens& tokens, int n) {
  std::unordered_map<std::string, long> counts;
  const auto order = static_cast<size_t>(n);
  for (size_t start = 0; start + order <= tokens.size(); ++start) {
    std::string key = tokens[start];
    for (size_t k = 1; k < order; ++k) key.append(" ").append(tokens[start + k]);
    ++counts[key];
  }
  return counts;
}

RougeScore score_ngrams(const Tokens& target, const Tokens& prediction, int n) {
  const auto target_ngrams = ngram_counts(target, n);
  const auto prediction_ngrams = ngram_counts(prediction, n);
  long overlap = 0, target_total = 0, prediction_total = 0;
  for (const auto& [gram, count] : target_ngrams) {
    target_total += count;
    if (auto it = prediction_ngrams.find(gram); it != prediction_ngrams.end())
      overlap += std::min(count, it->second);
  }
  for (const auto& entry : prediction_ngrams) prediction_total += entry.second;
  RougeScore s;
  // max(count, 1) keeps an empty side at 0 rather than NaN.
  s.precision = static_cast<double>(overlap) / static_cast<double>(std::max(prediction_total, 1L));
  s.recall = static_cast<double>(overlap) / static_cast<double>(std::max(target_total, 1L));
  s.fmeasure = rouge_fmeasure(s.precision, s.recall);
  return s;
}

// Length of the longest common subsequence, keeping only two rows of the DP table.
size_t lcs_length(const Tokens& a, const Tokens& b) {
  std::vector<size_t> previous(b.size() + 1, 0), current(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j)
      current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

RougeScore score_lcs(const Tokens& target, const Tokens& prediction) {
  if (target.empty() || prediction.empty()) return {};
  const auto lcs = static_cast<double>(lcs_length(target, prediction));
  RougeScore s;
  s.precision = lcs / static_cast<double>(prediction.size());
  s.recall = lcs / static_cast<double>(target.size());
  s.fmeasure = rouge_fmeasure(s.precision, s.recall);
  return s;
}

// Indices into `reference` of the one LCS that rouge-score's backtrack picks: on a tie
// between moving left and moving up it moves up (i--), i.e. along the reference.
std::vector<size_t> lcs_reference_indices(const Tokens& reference, const Tokens& candidate) {
  const size_t rows = reference.size() + 1, cols = candidate.size() + 1;
  std::vector<size_t> table(rows * cols, 0);
  auto at = [&](size_t i, size_t j) -> size_t& { return table[i * cols + j]; };
  for (size_t i = 1; i < rows; ++i)
    for (size_t j = 1; j < cols; ++j)
      at(i, j) = reference[i - 1] == candidate[j - 1] ? at(i - 1, j - 1) + 1
                                                      : std::max(at(i - 1, j), at(i, j - 1));
  std::vector<size_t> indices;
  size_t i = reference.size(), j = candidate.size();
  while (i > 0 && j > 0) {
    if (reference[i - 1] == candidate[j - 1]) {
      indices.push_back(i - 1);
      --i;
      --j;
    } else if (at(i, j - 1) > at(i - 1, j)) {
      --j;
    } else {
      --i;
    }
  }
  return indices;
}

// Summary-level LCS (ROUGE-1.5.5's "ROUGE-L" on multi-sentence summaries): for each reference
// sentence, the union of its LCS tokens with every candidate sentence, each token counted at
// most as often as it occurs in both whole summaries.
RougeScore score_summary_lcs(const std::vector<Tokens>& reference, const std::vector<Tokens>& candidate) {
  if (reference.empty() || candidate.empty()) return {};
  size_t m = 0, n = 0;
  std::unordered_map<std::string, long> reference_counts, candidate_counts;
  for (const Tokens& s : reference) {
    m += s.size();
    for (const std::string& t : s) ++reference_counts[t];
  }
  for (const Tokens& s : candidate) {
    n += s.size();
    for (const std::string& t : s) ++candidate_counts[t];
  }
  if (m == 0 || n == 0) return {};

  long hits = 0;
  for (const Tokens& r : reference) {
    std::vector<size_t> lcs_union;
    for (const Tokens& c : candidate) {
      const std::vector<size_t> indices = lcs_reference_indices(r, c);
      lcs_union.insert(lcs_union.end(), indices.begin(), indices.end());
    }
    std::sort(lcs_union.begin(), lcs_union.end());
    lcs_union.erase(std::unique(lcs_union.begin(), lcs_union.end()), lcs_union.end());
    for (size_t k : lcs_union) {
      const std::string& token = r[k];
      long& in_candidate = candidate_counts[token];
      long& in_reference = reference_counts[token];
      if (in_candidate > 0 && in_reference > 0) {
        ++hits;
        --in_candidate;
        --in_reference;
      }
    }
  }
  RougeScore s;
  s.recall = static_cast<double>(hits) / static_cast<double>(m);
  s.precision = static_cast<double>(hits) / static_cast<double>(n);
  s.fmeasure = rouge_fmeasure(s.precision, s.recall);
  return s;
}

}  // namespace

double rouge_fmeasure(double precision, double recall) {
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

RougeType RougeType::parse(std::string_view name) {
  if (name == "rougeL") return RougeType("rougeL", Kind::kLcs, 0);
  if (name == "rougeLsum") return RougeType("rougeLsum", Kind::kSummaryLcs, 0);
  // rouge-score: re.match(r"rouge[0-9]$") and then n > 0, so rouge1 .. rouge9 only.
  if (name.size() == 6 && name.substr(0, 5) == "rouge" && name[5] >= '1' && name[5] <= '9')
    return RougeType(std::string(name), Kind::kNgram, name[5] - '0');
  VCC_USER_CHECK(false, "invalid ROUGE type '", name, "': expected rouge1 .. rouge9, rougeL or rougeLsum");
  return RougeType("", Kind::kLcs, 0);  // not reached: VCC_USER_CHECK(false) throws
}

std::vector<RougeType> standard_rouge_types() {
  return {RougeType::parse("rouge1"), RougeType::parse("rouge2"), RougeType::parse("rougeL"),
          RougeType::parse("rougeLsum")};
}

RougeScorer::RougeScorer(std::vector<RougeType> types, bool use_stemmer)
    : types_(std::move(types)), use_stemmer_(use_stemmer) {
  VCC_USER_CHECK(!types_.empty(), "no ROUGE type was asked for");
  for (const RougeType& t : types_) {
    if (t.kind() == RougeType::Kind::kSummaryLcs)
      needs_sentences_ = true;
    else
      needs_tokens_ = true;
  }
}

RougeScorer::Tokenized RougeScorer::tokenize(std::string_view text) const {
  Tokenized out;
  if (needs_tokens_) out.tokens = rouge_tokenize(text, use_stemmer_);
  if (needs_sentences_) {
    // split_summaries=False: text.split("\n"), dropping pieces of raw length 0. A line of
    // spaces or punctuation stays, with no tokens; "\r", U+2028 and ". " do not split.
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      if (end > start) out.sentences.push_back(rouge_tokenize(text.substr(start, end - start), use_stemmer_));
      start = end + 1;
    }
  }
  return out;
}

std::vector<RougeScore> RougeScorer::score_tokenized(const Tokenized& target, const Tokenized& prediction) const {
  std::vector<RougeScore> scores;
  scores.reserve(types_.size());
  for (const RougeType& t : types_) {
    switch (t.kind()) {
      case RougeType::Kind::kNgram: scores.push_back(score_ngrams(target.tokens, prediction.tokens, t.n())); break;
      case RougeType::Kind::kLcs: scores.push_back(score_lcs(target.tokens, prediction.tokens)); break;
      case RougeType::Kind::kSummaryLcs:
        scores.push_back(score_summary_lcs(target.sentences, prediction.sentences));
        break;
    }
  }
  return scores;
}

std::vector<RougeScore> RougeScorer::score(std::string_view target, std::string_view prediction) const {
  return score_tokenized(tokenize(target), tokenize(prediction));
}

RougeMultiScore RougeScorer::score_multi(const std::vector<std::string>& targets,
                                         std::string_view prediction) const {
  VCC_USER_CHECK(!targets.empty(), "ROUGE needs at least one reference");
  const Tokenized tokenized_prediction = tokenize(prediction);
  RougeMultiScore best;
  for (size_t r = 0; r < targets.size(); ++r) {
    const std::vector<RougeScore> scores = score_tokenized(tokenize(targets[r]), tokenized_prediction);
    if (r == 0) {
      best.scores = scores;
      best.chosen_target.assign(types_.size(), 0);
      continue;
    }
    for (size_t t = 0; t < types_.size(); ++t) {
      // Strictly greater: np.argmax keeps the first of equal maxima.
      if (scores[t].fmeasure > best.scores[t].fmeasure) {
        best.scores[t] = scores[t];
        best.chosen_target[t] = r;
      }
    }
  }
  return best;
}

}  // namespace vcc::eval
