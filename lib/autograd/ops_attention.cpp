#include "autograd/ops_attention.h"

#include "kernels/attention.h"

namespace vcc {

Var attention(const Var& q, const Var& k, const Var& v, const AttentionOptions& options) {
  kernels::AttentionArgs args;
  args.scale = options.scale;
  args.causal = options.causal;
  args.key_mask = options.key_mask;
  if (options.key_bias.defined()) args.key_bias = options.key_bias.value();
  if (options.relative_bias_table.defined()) args.relative_bias_table = options.relative_bias_table.value();
  args.query_positions = options.query_positions;
  args.key_positions = options.key_positions;
  args.bidirectional = options.bidirectional;
  args.num_buckets = options.num_buckets;
  args.max_distance = options.max_distance;
  args.dropout = options.dropout;
  args.bf16_products = options.bf16_products;
  if (options.dropout > 0) {
    // One stream offset per call: backward regenerates the same mask from (seed, offset).
    Generator& gen = options.generator ? *options.generator : default_generator();
    args.seed = gen.seed();
    args.offset = gen.next_offset();
  }
  const Tensor qv = q.value(), kv = k.value(), vv = v.value();
  kernels::AttentionOutput fwd = kernels::attention_forward(qv, kv, vv, args);

  std::vector<Var> inputs{q, k, v};
  const bool has_key_bias = options.key_bias.defined(), has_table = options.relative_bias_table.defined();
  if (has_key_bias) inputs.push_back(options.key_bias);
  if (has_table) inputs.push_back(options.relative_bias_table);
  return make_result(
      fwd.out, inputs,
      [qv, kv, vv, args, fwd, has_key_bias, has_table](const Tensor& g,
                                                       const std::vector<bool>& needs) -> std::vector<Tensor> {
        kernels::AttentionGradRequest request;
        request.q = needs[0];
        request.k = needs[1];
        request.v = needs[2];
        size_t next = 3;
        const size_t key_bias_slot = has_key_bias ? next++ : 0;
        const size_t table_slot = has_table ? next++ : 0;
        request.key_bias = has_key_bias && needs[key_bias_slot];
        request.relative_bias_table = has_table && needs[table_slot];
        kernels::AttentionGrads grads = kernels::attention_backward(qv, kv, vv, fwd, g, args, request);
        std::vector<Tensor> result{grads.q, grads.k, grads.v};
        if (has_key_bias) result.push_back(grads.key_bias);
        if (has_table) result.push_back(grads.relative_bias_table);
        return result;
      },
      "attention");
}

}  // namespace vcc
