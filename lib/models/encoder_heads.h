#pragma once
// Task heads on the BERT-family encoder output: masked LM (Hugging Face names), span
// extraction (HF qa_outputs), HotpotQA answer type and multiple choice (the VCC paper's
// heads, spec 5; vcc-only names answer_type.* and multiple_choice.*).
#include <memory>

#include "models/model_config.h"
#include "nn/activation.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"

namespace vcc::models {

// Linear -> GELU -> LayerNorm -> Linear (weight tied to the word embeddings) + bias.
// RoBERTa names: lm_head.{dense, layer_norm, bias, decoder.*}; BERT:
// cls.predictions.{transform.dense, transform.LayerNorm, bias, decoder.*}.
class MaskedLMHead : public nn::Module {
 public:
  MaskedLMHead(const ModelConfig& config, const Var& word_embeddings, DType dtype);
  // [..., d] -> vocabulary logits [..., V]; callers pass only the positions they score.
  Var forward(const Var& hidden) const;

 private:
  nn::Activation activation_;
  std::shared_ptr<nn::Linear> dense_;
  std::shared_ptr<nn::LayerNorm> norm_;
  Var decoder_weight_, bias_;
};

struct SpanLogits {
  Var start;  // [B, N]
  Var end;    // [B, N]
};

// A head that is one linear map; registered by the model under the head's name
// (qa_outputs, answer_type, multiple_choice), holding weight [out, d] and bias [out].
class LinearHead : public nn::Module {
 public:
  LinearHead(int64_t d, int64_t out, DType dtype);
  const Var& weight() const { return weight_; }
  const Var& bias() const { return bias_; }

 protected:
  Var apply(const Var& x) const;

 private:
  Var weight_, bias_;
};

// Start/end logits of an answer span: qa_outputs = Linear(d, 2) (Hugging Face's name).
class SpanHead : public LinearHead {
 public:
  SpanHead(const ModelConfig& config, DType dtype);
  SpanLogits forward(const Var& hidden) const;
};

// HotpotQA answer type (0 = span, 1 = yes, 2 = no) predicted from position 0.
class AnswerTypeHead : public LinearHead {
 public:
  static constexpr int64_t kSpan = 0, kYes = 1, kNo = 2;
  AnswerTypeHead(const ModelConfig& config, DType dtype);
  Var forward(const Var& hidden) const;  // [B, N, d] -> [B, 3]
};

// Multiple choice: a linear score of each candidate's start token; padding candidates
// (mask 0) score -1000 so that cross-entropy over candidates ignores them.
class MultipleChoiceHead : public LinearHead {
 public:
  MultipleChoiceHead(const ModelConfig& config, DType dtype);
  // hidden [B, N, d], candidate_positions [B, C] int64, candidate_mask [B, C] -> [B, C].
  Var forward(const Var& hidden, const Tensor& candidate_positions, const Tensor& candidate_mask) const;
};

}  // namespace vcc::models
