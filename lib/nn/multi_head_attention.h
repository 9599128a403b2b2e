#pragma once
// MultiHeadAttention: q/k/v/o projections around the fused attention op. The projections'
// outputs [B, N, H*D] are viewed as [B, N, H, D] and handed to the op without copies.
// Parameter names follow the model family (BERT: self.query ... output.dense; T5: q k v o).
#include <memory>
#include <string>

#include "autograd/ops_attention.h"
#include "nn/attention_context.h"
#include "nn/linear.h"

namespace vcc::nn {

struct MultiHeadAttentionOptions {
  int64_t d_model = 0;
  int64_t num_heads = 0;
  int64_t d_kv = 0;         // per-head size; H * d_kv may differ from d_model (T5)
  bool bias = true;
  double scale = 1.0;       // logits = scale * q.k (BERT 1/sqrt(d_kv), T5 1)
  double dropout = 0.0;     // attention-probability dropout while training
  std::string q_name, k_name, v_name, o_name;
  // T5 relative position bias (used when a context or call passes a table).
  bool bidirectional = true;
  int num_buckets = 32;
  int max_distance = 128;
};

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(const MultiHeadAttentionOptions& options, DType dtype = DType::F32);

  // Projections as heads: [B, N, d_model] -> [B, N, H, D] (views of the GEMM output).
  Var query(const Var& x) const { return heads(*q_, x); }
  Var key(const Var& x) const { return heads(*k_, x); }
  Var value(const Var& x) const { return heads(*v_, x); }
  // Output projection of attention results [B, N, H, D] -> [B, N, d_model].
  Var output(const Var& context) const;

  // Self-attention of x [B, N, d_model] under ctx (key mask, key bias, positions, relative
  // bias table, segment-local cut), optionally causal.
  Var self_attention(const Var& x, const AttentionContext& ctx, bool causal = false) const;
  // Queries from x_q [B, Nq, d], keys and values from x_kv [B, Nk, d] (cross-attention).
  Var cross_attention(const Var& x_q, const Var& x_kv, const Tensor& key_mask) const;
  // Attention over precomputed heads (key/value caches): op options are completed with
  // this module's scale, dropout and bucket settings, then the output projection applies.
  Var attend(const Var& q, const Var& k, const Var& v, AttentionOptions options) const;

  // Explicit attention probabilities [B, H, Nq, Nk] of queries from query_states to keys
  // from key_states (each [B, N, d_model], already normalised by the caller), with masked
  // keys (key_mask == 0) at -1000 like the VCC selector, optional key_bias [B, Nk] and
  // relative bias (table + positions). No dropout. For VCC's block scoring, which needs the
  // probabilities themselves and only over few queries.
  Var probabilities(const Var& query_states, const Var& key_states, const Tensor& key_mask, const Var& key_bias = Var(),
                    const Var& relative_bias_table = Var(), const Tensor& query_positions = Tensor(),
                    const Tensor& key_positions = Tensor()) const;

  const Linear& q() const { return *q_; }
  const Linear& k() const { return *k_; }
  const Linear& v() const { return *v_; }
  const Linear& o() const { return *o_; }
  const MultiHeadAttentionOptions& options() const { return options_; }
  // bfloat16 operands in the fused attention's products (train.precision: bf16; see
  // kernels::AttentionArgs::bf16_products). The projections have their own setting (Linear).
  void set_bf16_products(bool on) { bf16_products_ = on; }
  bool bf16_products() const { return bf16_products_; }

 private:
  Var heads(const Linear& proj, const Var& x) const;
  AttentionOptions op_options() const;

  MultiHeadAttentionOptions options_;
  bool bf16_products_ = false;
  std::shared_ptr<Linear> q_, k_, v_, o_;
};

// Bucket ids [..] (int64) of T5 relative positions (key - query) of any shape, exactly as
// Hugging Face computes them (float32 log arithmetic included).
Tensor relative_position_buckets(const Tensor& relative_positions, bool bidirectional, int num_buckets, int max_distance);

}  // namespace vcc::nn
