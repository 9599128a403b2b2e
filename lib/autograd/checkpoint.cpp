#include "autograd/checkpoint.h"

#include "core/rng.h"

namespace vcc {

Var checkpoint(const RegionFn& fn, const std::vector<Var>& inputs) {
  if (!grad_enabled()) return fn(inputs);
  Generator& gen = default_generator();
  const uint64_t seed = gen.seed(), offset = gen.offset();
  std::vector<Tensor> values;
  std::vector<Var> detached;
  for (const Var& v : inputs) {
    values.push_back(v.value());
    detached.push_back(v.detach());
  }
  Tensor out;
  {
    NoGradGuard no_grad;
    out = fn(detached).value();
  }
  return make_result(
      out, inputs,
      [fn, values, seed, offset](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        Generator& gen = default_generator();
        const uint64_t saved_seed = gen.seed(), saved_offset = gen.offset();
        gen.set_state(seed, offset);
        std::vector<Var> leaves;
        for (size_t i = 0; i < values.size(); ++i) leaves.emplace_back(values[i], needs[i]);
        Var y;
        {
          EnableGradGuard enable;
          y = fn(leaves);
        }
        gen.set_state(saved_seed, saved_offset);
        if (y.requires_grad()) y.backward(g);
        std::vector<Tensor> grads(values.size());
        for (size_t i = 0; i < values.size(); ++i)
          if (needs[i]) grads[i] = leaves[i].grad();
        return grads;
      },
      "checkpoint", /*always_record=*/true);
}

}  // namespace vcc
