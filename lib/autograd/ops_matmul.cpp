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

Var linear(const Var& x, const Var& w, const Var& bias) {
  Tensor xv = x.value(), wv = w.value();
  Tensor y = kernels::linear(xv, wv, bias.defined() ? bias.value() : Tensor());
  std::vector<Var> inputs{x, w};
  if (bias.defined()) inputs.push_back(bias);
  return make_result(
      y, inputs,
      [xv, wv](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        std::vector<Tensor> grads(needs.size());
        Tensor g2 = g.reshape({-1, g.size(-1)});
        if (needs[0]) grads[0] = kernels::matmul(g2, wv).view(xv.shape());                 // dX = G W
        if (needs[1]) grads[1] = kernels::matmul(g2, xv.reshape({-1, xv.size(-1)}), true);  // dW = G^T X
        if (needs.size() > 2 && needs[2]) grads[2] = kernels::sum_to_shape(g2, {g2.size(1)});
        return grads;
      },
      "linear");
}

}  // namespace vcc
