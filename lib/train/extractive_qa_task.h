#pragma once
// Extractive QA on a BERT-family encoder: start/end span logits (head "span") and, for
// HotpotQA, the answer type span/yes/no predicted at position 0 (head "answer_type").
//   loss = (CE(start) + CE(end)) / 2 over rows with a located span
//          + CE(answer type) over rows with a known type (when the head exists)
// Predictions: the type's argmax; for spans the best (start, end) inside the context,
// decoded with the tokenizer.
#include <memory>
#include <vector>

#include "models/roberta.h"
#include "train/task.h"

namespace vcc::train {

struct SpanChoice {
  int64_t start = -1, end = -1;  // inclusive token indices; -1 when the range is empty
  double score = 0;              // start_logit + end_logit
};

// The (s, e) with lo <= s <= e < hi and e - s < max_tokens that maximises
// start[s] + end[e]; the first such pair in (s, e) order on ties.
SpanChoice best_span(const float* start_logits, const float* end_logits, int64_t lo, int64_t hi, int64_t max_tokens);

// Token range [lo, hi) of the context in an encoded row: after the query (whose last VIP
// slot is the query's </s> position, which already holds the first context token, spec
// 11.19) and before the final </s>.
std::pair<int64_t, int64_t> context_range(int64_t query_length, int64_t real_length);

// Token types as BERT's question answering sets them: 0 on the query, 1 from the first
// context token on (context_range's lo; padding included). Used when model.type_vocab_size >= 2; the
// RoBERTa family (one type) sees zeros.
Tensor question_context_types(const data::Batch& batch);

class ExtractiveQaTask : public ModelTask {
 public:
  // vcc: the model's VCC hook when model.vcc.enabled (gets each batch's importance mask).
  ExtractiveQaTask(std::shared_ptr<models::RobertaModel> model, const TaskOptions& options);

  std::string name() const override { return "qa_extractive"; }
  nn::Module& module() override { return *model_; }
  Var loss(const data::Batch& batch, bool training) override;
  double loss_weight(const data::Batch& batch) const override { return static_cast<double>(batch.size()); }
  std::vector<TaskPrediction> predict(const data::Batch& batch) override;
  std::pair<double, std::vector<TaskPrediction>> loss_and_predict(const data::Batch& batch) override;

 private:
  struct Outputs {
    models::SpanLogits span;
    Var type_logits;  // [B, 3] when the model has the answer-type head
  };
  Outputs run(const data::Batch& batch) const;
  Var loss_of(const Outputs& out, const data::Batch& batch) const;
  std::vector<TaskPrediction> answers_of(const Outputs& out, const data::Batch& batch) const;

  std::shared_ptr<models::RobertaModel> model_;
  TaskOptions options_;
};

}  // namespace vcc::train
