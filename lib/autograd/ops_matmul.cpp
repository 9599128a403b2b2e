#include "autograd/ops_matmul.h"

#include "kernels/elementwise.h"
#include "kernels/matmul.h"

namespace vcc {

Var matmul(const Var& a, const Var& b, bool trans_a, bool trans_b, double alpha) {
  Tensor av = a.value(), bv = b.value();
  Tensor c = kernels::matmul(av, bv, trans_a, trans_b, alpha);
  return make_result(
      c, {a, b},
      [av, bv, trans_a, trans_b, alpha](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        // C = op(A) op(B):  dop(A) = G op(B)^T,  dop(B) = op(A)^T G; then undo op.
        Tensor ga, gb;
        if (needs[0]) {
          ga = trans_a ? kernels::matmul(bv, g, trans_b, true, alpha)    // dA = (G op(B)^T)^T = op(B) G^T
                       : kernels::matmul(g, bv, false, !trans_b, alpha);  // dA = G op(B)^T
          ga = kernels::sum_to_shape(ga, av.shape());
        }
        if (needs[1]) {
          gb = trans_b ? kernels::matmul(g, av, true, trans_a, alpha)     // dB = (op(A)^T G)^T = G^T op(A)
                       : kernels::matmul(av, g, !trans_a, false, alpha);  // dB = op(A)^T G
          gb = kernels::sum_to_shape(gb, bv.shape());
        }
        return {ga, gb};
      },
      "matmul");
}

namespace {

// x @ w^T + bias with x and w multiplied as `operands` (their own dtype, or bfloat16 for
// float32 ones), the output and the gradients in x's dtype. Saves the operand copies for
// backward, which rounds the incoming gradient to `operands` once for both products.
Var linear_as(const Var& x, const Var& w, const Var& bias, DType operands) {
  const DType out = x.value().dtype();
  const Tensor xv = x.value().to(operands), wv = w.value().to(operands);
  Tensor y = kernels::linear(xv, wv, bias.defined() ? bias.value() : Tensor(), out);
  std::vector<Var> inputs{x, w};
  if (bias.defined()) inputs.push_back(bias);
  return make_result(
      y, inputs,
      [xv, wv, out](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        std::vector<Tensor> grads(needs.size());
        const Tensor g2 = g.reshape({-1, g.size(-1)}), g_op = g2.to(xv.dtype());
        if (needs[0]) grads[0] = kernels::matmul(g_op, wv, false, false, 1.0, out).view(xv.shape());  // dX = G W
        if (needs[1])  // dW = G^T X
          grads[1] = kernels::matmul(g_op, xv.reshape({-1, xv.size(-1)}), true, false, 1.0, out);
        if (needs.size() > 2 && needs[2]) grads[2] = kernels::sum_to_shape(g2, {g2.size(1)});
        return grads;
      },
      "linear");
}

}  // namespace

Var linear(const Var& x, const Var& w, const Var& bias) { return linear_as(x, w, bias, x.value().dtype()); }

Var linear_bf16(const Var& x, const Var& w, const Var& bias) {
  VCC_CHECK(x.value().dtype() == DType::F32, "linear_bf16: float32 input expected, got ", x.value().describe());
  return linear_as(x, w, bias, DType::BF16);
}

}  // namespace vcc
