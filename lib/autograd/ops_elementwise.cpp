#include "autograd/ops_elementwise.h"

#include "kernels/elementwise.h"

namespace vcc {

Var unary(kernels::UnaryOp op, const Var& x, double a) {
  Tensor y = kernels::unary(op, x.value(), a);
  // Ops whose derivative is cheapest from the output keep it; the rest recompute from x.
  using kernels::UnaryOp;
  bool keep_y = op == UnaryOp::Exp || op == UnaryOp::Sqrt || op == UnaryOp::Rsqrt || op == UnaryOp::Tanh ||
                op == UnaryOp::Sigmoid || op == UnaryOp::Reciprocal;
  Tensor saved_x = x.value();
  Tensor saved_y = keep_y ? y : Tensor();
  return make_result(
      y, {x},
      [op, a, saved_x, saved_y](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::unary_backward(op, saved_x, saved_y, g, a)};
      },
      kernels::op_name(op));
}

Var binary(kernels::BinaryOp op, const Var& a, const Var& b) {
  Tensor c = kernels::binary(op, a.value(), b.value());
  Tensor av = a.value(), bv = b.value();
  return make_result(
      c, {a, b},
      [op, av, bv](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        Tensor ga, gb;
        kernels::binary_backward(op, av, bv, g, needs[0] ? &ga : nullptr, needs[1] ? &gb : nullptr);
        return {ga, gb};
      },
      kernels::op_name(op));
}

}  // namespace vcc
