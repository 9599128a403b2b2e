#include "autograd/ops_reduce.h"

#include "kernels/elementwise.h"
#include "kernels/reduce.h"

namespace vcc {
namespace {

// A reduction's gradient g (reduced shape) spread back over the input's shape. Materialised:
// backward closures downstream may expect dense gradients.
Tensor spread(const Tensor& g, const Shape& input_shape, int dim, bool keepdim) {
  Tensor gk = keepdim ? g : g.unsqueeze(dim);
  return gk.expand(input_shape).contiguous();
}

}  // namespace

Var sum(const Var& x, int dim, bool keepdim) {
  const int d = wrap_dim(dim, x.dim());
  const Shape in = x.shape();
  return make_result(
      kernels::sum(x.value(), d, keepdim), {x},
      [in, d, keepdim](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {spread(g, in, d, keepdim)};
      },
      "sum");
}

Var sum_all(const Var& x) {
  const Shape in = x.shape();
  return make_result(
      kernels::sum_all(x.value()), {x},
      [in](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> { return {g.expand(in).contiguous()}; },
      "sum_all");
}

Var mean(const Var& x, int dim, bool keepdim) {
  const int d = wrap_dim(dim, x.dim());
  const Shape in = x.shape();
  return make_result(
      kernels::mean(x.value(), d, keepdim), {x},
      [in, d, keepdim](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        Tensor gs = kernels::unary(kernels::UnaryOp::Scale, g, 1.0 / static_cast<double>(in[d]));
        return {spread(gs, in, d, keepdim)};
      },
      "mean");
}

Var mean_all(const Var& x) {
  const Shape in = x.shape();
  const double inv_n = 1.0 / static_cast<double>(x.numel());
  Tensor m = kernels::sum_all(x.value());
  kernels::scale_inplace(m, inv_n);
  return make_result(
      m, {x},
      [in, inv_n](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::unary(kernels::UnaryOp::Scale, g, inv_n).expand(in).contiguous()};
      },
      "mean_all");
}

Var max(const Var& x, int dim, bool keepdim) {
  const int d = wrap_dim(dim, x.dim());
  const Shape in = x.shape();
  // Named tensors, not a structured binding: clang 14 cannot capture bindings in a lambda.
  const auto maxed = kernels::max(x.value(), d, keepdim);
  const Tensor& values = maxed.first;
  const Tensor index = maxed.second;
  return make_result(
      values, {x},
      [in, d, index](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::max_backward(g, index, in, d)};
      },
      "max");
}

}  // namespace vcc
