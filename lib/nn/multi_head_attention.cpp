#include "nn/multi_head_attention.h"

#include "autograd/ops_elementwise.h"
#include "autograd/ops_matmul.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"
#include "kernels/attention_ops.h"
#include "kernels/elementwise.h"
#include "kernels/index.h"

namespace vcc::nn {

MultiHeadAttention::MultiHeadAttention(const MultiHeadAttentionOptions& o, DType dtype) : options_(o) {
  const int64_t inner = o.num_heads * o.d_kv;
  q_ = register_module(o.q_name, std::make_shared<Linear>(o.d_model, inner, o.bias, dtype));
  k_ = register_module(o.k_name, std::make_shared<Linear>(o.d_model, inner, o.bias, dtype));
  v_ = register_module(o.v_name, std::make_shared<Linear>(o.d_model, inner, o.bias, dtype));
  o_ = register_module(o.o_name, std::make_shared<Linear>(inner, o.d_model, o.bias, dtype));
}

Var MultiHeadAttention::heads(const Linear& proj, const Var& x) const {
  VCC_CHECK(x.dim() == 3, "attention input must be [B, N, d], got ", x.value().describe());
  return reshape(proj.forward(x), {x.size(0), x.size(1), options_.num_heads, options_.d_kv});
}

Var MultiHeadAttention::output(const Var& context) const {
  return o_->forward(reshape(context, {context.size(0), context.size(1), options_.num_heads * options_.d_kv}));
}

AttentionOptions MultiHeadAttention::op_options() const {
  AttentionOptions o;
  o.scale = options_.scale;
  o.dropout = training() ? options_.dropout : 0.0;
  o.bidirectional = options_.bidirectional;
  o.num_buckets = options_.num_buckets;
  o.max_distance = options_.max_distance;
  o.bf16_products = bf16_products_;
  return o;
}

Var MultiHeadAttention::attend(const Var& q, const Var& k, const Var& v, AttentionOptions o) const {
  const AttentionOptions base = op_options();
  o.scale = base.scale;
  o.dropout = base.dropout;
  o.bidirectional = base.bidirectional;
  o.num_buckets = base.num_buckets;
  o.max_distance = base.max_distance;
  o.bf16_products = base.bf16_products;
  return output(attention(q, k, v, o));
}

Var MultiHeadAttention::self_attention(const Var& x, const AttentionContext& ctx, bool causal) const {
  const int64_t B = x.size(0), N = x.size(1), H = options_.num_heads, D = options_.d_kv;
  Var q = query(x), k = key(x), v = value(x);
  AttentionOptions o = op_options();
  o.causal = causal;
  if (!ctx.probability_dropout) o.dropout = 0.0;
  o.key_mask = ctx.key_mask;
  o.key_bias = ctx.key_bias;
  o.relative_bias_table = ctx.relative_bias_table;
  o.query_positions = ctx.positions;
  o.key_positions = ctx.positions;
  const int64_t s = ctx.segment_size;
  if (s <= 0 || N <= s) return output(attention(q, k, v, o));

  // Segment-local attention: each run of s tokens is its own batch entry. The heads are
  // contiguous GEMM outputs, so these reshapes are views.
  VCC_USER_CHECK(N % s == 0, "segment-local attention: sequence length ", N, " is not a multiple of the segment size ",
                 s);
  VCC_CHECK(!causal, "segment-local attention is for encoders (not causal)");
  const int64_t G = B * (N / s);
  q = reshape(q, {G, s, H, D});
  k = reshape(k, {G, s, H, D});
  v = reshape(v, {G, s, H, D});
  if (o.key_mask.defined()) o.key_mask = o.key_mask.reshape({G, s});
  if (o.key_bias.defined()) o.key_bias = reshape(o.key_bias, {G, s});
  if (o.query_positions.defined()) {
    o.query_positions = o.query_positions.reshape({G, s});
    o.key_positions = o.query_positions;
  }
  return output(reshape(attention(q, k, v, o), {B, N, H, D}));
}

Var MultiHeadAttention::cross_attention(const Var& x_q, const Var& x_kv, const Tensor& key_mask) const {
  AttentionOptions o;
  o.key_mask = key_mask;
  return attend(query(x_q), key(x_kv), value(x_kv), o);
}

Var MultiHeadAttention::probabilities(const Var& query_states, const Var& key_states, const Tensor& key_mask,
                                      const Var& key_bias, const Var& relative_bias_table,
                                      const Tensor& query_positions, const Tensor& key_positions) const {
  const int64_t B = query_states.size(0), Nq = query_states.size(1), Nk = key_states.size(1);
  const DType dt = query_states.dtype();
  Var q = permute(query(query_states), {0, 2, 1, 3});  // [B, H, Nq, D]
  Var k = permute(key(key_states), {0, 2, 1, 3});      // [B, H, Nk, D]
  Var logits = matmul(q, k, false, true, options_.scale);
  if (relative_bias_table.defined()) {
    // On the logits' device, without reading positions on the host: a bucket depends only on
    // the distance clamped to +-max_distance (beyond it the bucket is the last one), so the
    // table's rows are first laid out by distance, then looked up per (query, key).
    const Device dev = logits.value().device();
    const int64_t md = options_.max_distance;
    Tensor qp = query_positions.defined() ? query_positions.to(DType::I64).to(dev)
                                          : Tensor::arange(Nq, DType::I64, dev).unsqueeze(0).expand({B, Nq});
    Tensor kp = key_positions.defined() ? key_positions.to(DType::I64).to(dev)
                                        : Tensor::arange(Nk, DType::I64, dev).unsqueeze(0).expand({B, Nk});
    Tensor distance = kernels::binary(kernels::BinaryOp::Sub, kp.reshape({B, 1, Nk}), qp.reshape({B, Nq, 1}));
    distance = kernels::binary(kernels::BinaryOp::Max, distance, Tensor::full({}, static_cast<double>(-md), DType::I64, dev));
    distance = kernels::binary(kernels::BinaryOp::Min, distance, Tensor::full({}, static_cast<double>(md), DType::I64, dev));
    distance = kernels::binary(kernels::BinaryOp::Add, distance, Tensor::full({}, static_cast<double>(md), DType::I64, dev));
    std::vector<int64_t> by_distance(static_cast<size_t>(2 * md + 1));
    for (int64_t r = -md; r <= md; ++r)
      by_distance[static_cast<size_t>(r + md)] =
          kernels::attention::relative_position_bucket(r, options_.bidirectional, options_.num_buckets, options_.max_distance);
    Var table_by_distance = embedding(relative_bias_table, Tensor::from_vector<int64_t>(by_distance, {2 * md + 1}).to(dev));
    logits = logits + permute(embedding(table_by_distance, distance), {0, 3, 1, 2});
  }
  if (key_bias.defined()) logits = logits + reshape(key_bias, {B, 1, 1, Nk});
  if (key_mask.defined()) {
    // -1000 on masked keys (not -inf): a row whose keys are all masked stays finite, as in
    // the released VCC selector. Built on the mask's device (no round trip through the host).
    const Device dev = logits.value().device();
    const Tensor cond = is_floating(key_mask.dtype()) ? key_mask.to(DType::F64).to(DType::I64) : key_mask;
    const Tensor add = kernels::where(cond.reshape({B, 1, 1, Nk}), Tensor::zeros({}, dt, dev),
                                      Tensor::full({}, -1000.0, dt, dev));
    logits = logits + Var(add);
  }
  return softmax(logits, -1);
}

Tensor relative_position_buckets(const Tensor& relative_positions, bool bidirectional, int num_buckets,
                                 int max_distance) {
  const std::vector<int64_t> rel = relative_positions.to(DType::I64).to_vector<int64_t>();
  std::vector<int64_t> out(rel.size());
  for (size_t i = 0; i < rel.size(); ++i)
    out[i] = kernels::attention::relative_position_bucket(rel[i], bidirectional, num_buckets, max_distance);
  return Tensor::from_vector<int64_t>(out, relative_positions.shape());
}

}  // namespace vcc::nn
