#pragma once
// T5Model: the T5 encoder-decoder (v1.0: ReLU, LM head tied to the shared embeddings with
// the d_model^-0.5 output scale; v1.1: gated GELU (tanh form), untied head), with Hugging
// Face's parameter names: shared.weight, encoder.block.N.*, encoder.final_layer_norm,
// decoder.block.N.*, decoder.final_layer_norm, lm_head.weight (alias of shared.weight when
// tied); encoder.embed_tokens / decoder.embed_tokens are aliases of shared.weight.
#include <memory>
#include <vector>

#include "models/model_config.h"
#include "nn/embedding.h"
#include "nn/layer_stack.h"
#include "nn/rms_norm.h"
#include "nn/t5_decoder_layer.h"
#include "nn/t5_encoder_layer.h"

namespace vcc::models {

// Decoder inputs for teacher forcing: labels shifted right, the start id first and -100
// (ignored label) replaced by the pad id, as Hugging Face's T5 _shift_right.
Tensor shift_right(const Tensor& labels, int64_t decoder_start_token_id, int64_t pad_token_id);

class T5Encoder : public nn::Module {
 public:
  T5Encoder(const ModelConfig& config, const Var& shared, DType dtype);
  // ids [B, N], mask [B, N] (undefined = all real), positions [B, N] (undefined = 0..N-1)
  // -> final-normed states [B, N, d].
  // importance_mask [B, N] marks VIP candidates (the question) for VCC layers.
  Var forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& positions = Tensor(),
              const Tensor& importance_mask = Tensor()) const;
  Var embed(const Tensor& input_ids) const;
  nn::AttentionContext attention_context(const Tensor& attention_mask, const Tensor& positions) const;
  Var finish(const Var& layers_output) const;  // final RMS norm and dropout

  nn::LayerStack& layers() { return layers_; }
  const nn::LayerStack& layers() const { return layers_; }
  // Block 0's relative bias table, used by every block.
  const Var& relative_bias_table() const;

 private:
  ModelConfig config_;
  Var shared_;
  nn::LayerStack layers_;
  std::vector<std::shared_ptr<nn::T5EncoderLayer>> blocks_;
  std::shared_ptr<nn::RMSNorm> final_norm_;
};

// Keys/values of every decoder block plus the encoder mask, for incremental decoding.
struct DecoderState {
  std::vector<nn::DecoderLayerCache> layers;
  int64_t length = 0;  // target positions decoded so far
  // Keeps rows[i] of the batch as row i (beam search), in every cache.
  void reorder(const std::vector<int64_t>& rows);
};

class T5Decoder : public nn::Module {
 public:
  T5Decoder(const ModelConfig& config, const Var& shared, DType dtype);
  // Teacher forcing: decoder ids [B, T] -> final-normed states [B, T, d]; causal, with an
  // optional decoder mask [B, T].
  Var forward(const Tensor& decoder_input_ids, const Var& encoder_states, const Tensor& encoder_mask,
              const Tensor& decoder_mask = Tensor()) const;
  DecoderState start(const Var& encoder_states, const Tensor& encoder_mask, int64_t capacity) const;
  // Next ids [B, t] -> final-normed states [B, t, d]; extends the caches.
  Var step(DecoderState& state, const Tensor& ids) const;
  const Var& relative_bias_table() const;
  // Recompute each layer in backward (teacher forcing): its cross-attention keys and values
  // span every encoder token, [B, n, inner] twice per layer, the bulk of a long input's memory.
  void set_checkpointing(bool on) { checkpoint_ = on; }

 private:
  ModelConfig config_;
  Var shared_;
  std::vector<std::shared_ptr<nn::T5DecoderLayer>> blocks_;
  std::shared_ptr<nn::RMSNorm> final_norm_;
  bool checkpoint_ = false;
};

class T5Model : public nn::Module {
 public:
  explicit T5Model(const ModelConfig& config, DType dtype = DType::F32);

  // importance_mask [B, N]: VIP candidates for VCC encoders (ignored without VCC).
  Var encode(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& importance_mask = Tensor()) const;
  // Decoder states -> vocabulary logits (tied: scaled by d_model^-0.5 first).
  Var lm_logits(const Var& decoder_states) const;
  // Teacher-forced logits [B, T, V].
  Var forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& decoder_input_ids,
              const Tensor& importance_mask = Tensor()) const;
  // Mean token cross-entropy over labels != -100, decoder inputs = shift_right(labels).
  Var loss(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& labels,
           const Tensor& importance_mask = Tensor()) const;
  // The loss from computed logits [B, T, V] and labels [B, T].
  static Var loss_from_logits(const Var& logits, const Tensor& labels);

  // Activation checkpointing of the encoder's layers and the decoder's (train.gradient_checkpointing).
  void set_gradient_checkpointing(bool on);

  T5Encoder& encoder() { return *encoder_; }
  const T5Encoder& encoder() const { return *encoder_; }
  const T5Decoder& decoder() const { return *decoder_; }
  const Var& shared() const { return shared_->weight(); }
  const ModelConfig& config() const { return config_; }

 private:
  ModelConfig config_;
  std::shared_ptr<nn::Embedding> shared_;
  std::shared_ptr<T5Encoder> encoder_;
  std::shared_ptr<T5Decoder> decoder_;
  Var lm_head_;
};

}  // namespace vcc::models
