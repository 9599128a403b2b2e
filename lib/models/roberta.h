#pragma once
// RobertaModel: the BERT-family encoder (RoBERTa, XLM-R, BERT; post-LN as in Hugging Face,
// or the pre-LN variant of the VCC paper) with optional pooler and task heads. Parameter
// names are Hugging Face's base-model names (embeddings.*, encoder.layer.N.*, pooler.*;
// pre-LN adds the final LayerNorm.*), heads as in models/encoder_heads.h.
#include <memory>

#include "models/encoder_heads.h"
#include "models/model_config.h"
#include "nn/bert_layer.h"
#include "nn/embedding.h"
#include "nn/layer_norm.h"
#include "nn/layer_stack.h"

namespace vcc::models {

struct EncoderInputs {
  Tensor input_ids{};       // [B, N] int64/int32
  Tensor attention_mask{};  // [B, N], nonzero = real token; undefined = all real
  Tensor token_type_ids{};  // [B, N]; undefined = all 0
  Tensor position_ids{};    // [B, N]; undefined = derived from the ids (model.position_ids)
  Tensor importance_mask{}; // [B, N] VIP candidates (the question) for VCC layers; else unused
};

// Position ids [B, N] int64 on the host for input ids under the config's rule (padding /
// sequential / offset, see ModelConfig::position_ids). Only "padding" reads the ids.
Tensor make_position_ids(const Tensor& input_ids, const ModelConfig& config);

class RobertaEmbeddings : public nn::Module {
 public:
  RobertaEmbeddings(const ModelConfig& config, DType dtype);
  // LayerNorm(word + position + token type) then dropout.
  Var forward(const EncoderInputs& inputs) const;
  // Grows (or shrinks) the position table to `rows` rows for long inputs (spec 5): the
  // position_offset() offset rows are kept and learned row offset + p becomes the old row
  // offset + (p mod learned rows), i.e. the learned rows tiled.
  void extend_position_table(int64_t rows);

  const nn::Embedding& word_embeddings() const { return *word_; }
  const nn::Embedding& position_embeddings() const { return *position_; }
  const nn::Embedding& token_type_embeddings() const { return *token_type_; }

 private:
  ModelConfig config_;
  std::shared_ptr<nn::Embedding> word_, position_, token_type_;
  std::shared_ptr<nn::LayerNorm> norm_;
};

struct EncoderOutputs {
  Var hidden;  // [B, N, d] last hidden state (after the final LayerNorm for pre-LN)
  Var pooled;  // [B, d] tanh(dense(hidden[:, 0])) when the config has a pooler
};

class RobertaModel : public nn::Module {
 public:
  explicit RobertaModel(const ModelConfig& config, DType dtype = DType::F32);

  EncoderOutputs forward(const EncoderInputs& inputs) const;
  // The pieces of forward, for callers that run the layers themselves.
  Var embed(const EncoderInputs& inputs) const;
  nn::AttentionContext attention_context(const EncoderInputs& inputs) const;
  // Final LayerNorm (pre-LN) and pooler on the layers' output.
  EncoderOutputs finish(const Var& layers_output) const;

  nn::LayerStack& layers() { return layers_; }
  const nn::LayerStack& layers() const { return layers_; }
  RobertaEmbeddings& embeddings() { return *embeddings_; }
  const ModelConfig& config() const { return config_; }
  // Extends the position table (see RobertaEmbeddings) and records the new size.
  void extend_position_table(int64_t max_position_embeddings);

  // Heads (null unless listed in config.heads).
  const MaskedLMHead* mlm_head() const { return mlm_.get(); }
  const SpanHead* span_head() const { return span_.get(); }
  const AnswerTypeHead* answer_type_head() const { return answer_type_.get(); }
  const MultipleChoiceHead* multiple_choice_head() const { return multiple_choice_.get(); }

 private:
  ModelConfig config_;
  std::shared_ptr<RobertaEmbeddings> embeddings_;
  nn::LayerStack layers_;
  std::shared_ptr<nn::LayerNorm> final_norm_;
  std::shared_ptr<nn::Linear> pooler_;
  std::shared_ptr<MaskedLMHead> mlm_;
  std::shared_ptr<SpanHead> span_;
  std::shared_ptr<AnswerTypeHead> answer_type_;
  std::shared_ptr<MultipleChoiceHead> multiple_choice_;
};

}  // namespace vcc::models
