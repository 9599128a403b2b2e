#pragma once
// ROUGE-N, ROUGE-L and ROUGE-Lsum as rouge-score 0.1.2 computes them (RougeScorer.score and score_multi).
#include <string>
#include <string_view>
#include <vector>

namespace vcc::eval {

struct RougeScore {
  double precision = 0.0;
  double recall = 0.0;
  double fmeasure = 0.0;
};

// One of rouge1 .. rouge9, rougeL, rougeLsum (rouge-score accepts exactly these names).
class RougeType {
 public:
  enum class Kind { kNgram, kLcs, kSummaryLcs };

  // Throws vcc::Error naming the accepted types for anything else (rouge0, rouge10, ...).
  static RougeType parse(std::string_view name);

  const std::string& name() const { return name_; }
  Kind kind() const { return kind_; }
  int n() const { return n_; }  // n-gram order; only for kNgram

 private:
  RougeType(std::string name, Kind kind, int n) : name_(std::move(name)), kind_(kind), n_(n) {}
  std::string name_;
  Kind kind_;
  int n_;
};

// rouge1, rouge2, rougeL, rougeLsum: the set papers report and vcc-eval prints.
std::vector<RougeType> standard_rouge_types();

// score_multi's result: per type, the Score of the chosen target and that target's index.
struct RougeMultiScore {
  std::vector<RougeScore> scores;     // aligned with RougeScorer::types()
  std::vector<size_t> chosen_target;  // aligned with RougeScorer::types()
};

// RougeScorer(rouge_types, use_stemmer, split_summaries=False). For rougeLsum the text is
// split into sentences on "\n" only (empty lines dropped); a summary that should be scored
// per sentence must already be newline-separated (NLTK Punkt splitting is not reproduced).
class RougeScorer {
 public:
  RougeScorer(std::vector<RougeType> types, bool use_stemmer);

  const std::vector<RougeType>& types() const { return types_; }
  bool use_stemmer() const { return use_stemmer_; }

  // Scores aligned with types(). The target (reference) comes first, as in rouge-score:
  // swapping the arguments swaps P and R (and changes Lsum's F, which is not symmetric).
  std::vector<RougeScore> score(std::string_view target, std::string_view prediction) const;

  // For each type separately, the Score of the target with the highest F (the first one on
  // ties, like np.argmax). Needs at least one target.
  RougeMultiScore score_multi(const std::vector<std::string>& targets, std::string_view prediction) const;

 private:
  struct Tokenized {
    std::vector<std::string> tokens;                  // the whole text as one sequence
    std::vector<std::vector<std::string>> sentences;  // per "\n"-separated line, for rougeLsum
  };
  Tokenized tokenize(std::string_view text) const;
  std::vector<RougeScore> score_tokenized(const Tokenized& target, const Tokenized& prediction) const;

  std::vector<RougeType> types_;
  bool use_stemmer_;
  bool needs_tokens_ = false;
  bool needs_sentences_ = false;
};

// F = 2PR/(P+R), or 0 when P+R is 0 (rouge-score's scoring.fmeasure).
double rouge_fmeasure(double precision, double recall);

}  // namespace vcc::eval
