#include "nn/layer_stack.h"

#include "autograd/checkpoint.h"

namespace vcc::nn {

void LayerStack::set_segment_local(int64_t count, int64_t size) {
  VCC_USER_CHECK(count >= 0 && count <= static_cast<int64_t>(layers_.size()), "segment-local layers ", count,
                 " outside [0, ", layers_.size(), "]");
  VCC_USER_CHECK(size > 0, "segment size must be positive, got ", size);
  segment_local_layers_ = count;
  segment_size_ = size;
}

Var LayerStack::run_layer(size_t i, const Var& x, const AttentionContext& ctx_in) const {
  AttentionContext ctx = ctx_in;
  ctx.segment_size = static_cast<int64_t>(i) < segment_local_layers_ ? segment_size_ : 0;
  const EncoderLayer& layer = *layers_.at(i);
  if (!checkpoint_ || !grad_enabled()) return layer.forward(x, ctx);
  // The differentiable parts of the context are region inputs, so their gradients reach
  // whatever produced them (VCC's scores, the shared T5 table).
  std::vector<Var> inputs{x};
  const bool has_bias = ctx.key_bias.defined(), has_table = ctx.relative_bias_table.defined();
  if (has_bias) inputs.push_back(ctx.key_bias);
  if (has_table) inputs.push_back(ctx.relative_bias_table);
  return checkpoint(
      [&layer, ctx, has_bias, has_table](const std::vector<Var>& in) {
        AttentionContext c = ctx;
        size_t k = 1;
        if (has_bias) c.key_bias = in[k++];
        if (has_table) c.relative_bias_table = in[k++];
        return layer.forward(in[0], c);
      },
      inputs);
}

Var LayerStack::run_layers(size_t begin, size_t end, Var x, const AttentionContext& ctx) const {
  for (size_t i = begin; i < end; ++i) x = run_layer(i, x, ctx);
  return x;
}

Var LayerStack::forward(const Var& x, const AttentionContext& ctx) const {
  if (!override_) return run_layers(0, layers_.size(), x, ctx);
  const size_t first = std::min(override_->first_layer(), layers_.size());
  return override_->forward(*this, run_layers(0, first, x, ctx), ctx);
}

}  // namespace vcc::nn
