#pragma once
// T5DecoderLayer: one T5 decoder block (Hugging Face names):
//   layer.0: h = x + drop(SelfAttention(layer_norm(x)))        causal, decoder buckets
//   layer.1: h = h + drop(EncDecAttention(layer_norm(h), enc))  no position bias
//   layer.2: out = h + drop(DenseReluDense(layer_norm(h)))
// Incremental decoding keeps each block's keys/values in a DecoderLayerCache.
#include <memory>

#include "nn/t5_encoder_layer.h"

namespace vcc::nn {

// Keys and values of one decoder block for incremental decoding (inference only).
struct DecoderLayerCache {
  Tensor self_k, self_v;    // [B, capacity, H, D]; positions [0, length) are filled
  int64_t length = 0;
  Tensor cross_k, cross_v;  // [B, N_enc, H, D], projected once from the encoder states
  Tensor encoder_mask;      // [B, N_enc] or undefined
};

class T5DecoderLayer : public Module {
 public:
  T5DecoderLayer(const T5LayerOptions& options, DType dtype = DType::F32);

  // All target positions at once (teacher forcing): x [B, T, d]. self_ctx carries the
  // decoder's relative bias table and an optional decoder key mask.
  Var forward(const Var& x, const AttentionContext& self_ctx, const Var& encoder_states,
              const Tensor& encoder_mask) const;

  // Prepares a cache for `capacity` target positions and projects the encoder states.
  DecoderLayerCache start_cache(const Var& encoder_states, const Tensor& encoder_mask, int64_t capacity) const;
  // The next positions x [B, t, d] (usually t = 1), attending to everything cached so far;
  // appends their keys and values.
  Var forward_cached(const Var& x, const Var& relative_bias_table, DecoderLayerCache& cache) const;

  const Var& relative_bias_table() const { return relative_bias_; }
  const MultiHeadAttention& self_attention() const { return *self_attention_; }
  const MultiHeadAttention& cross_attention() const { return *cross_attention_; }
  const T5LayerOptions& options() const { return options_; }

 private:
  Var cross_and_ffn(const Var& h, const Var& cross) const;

  T5LayerOptions options_;
  std::shared_ptr<MultiHeadAttention> self_attention_, cross_attention_;
  Var relative_bias_;
  std::shared_ptr<RMSNorm> self_norm_, cross_norm_, ffn_norm_;
  std::shared_ptr<FeedForward> ffn_;
};

}  // namespace vcc::nn
