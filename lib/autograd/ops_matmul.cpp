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

Var linear_bf16(const Var& x, const Var& w, const Var& bias) {
  VCC_CHECK(w.value().dim() == 2 && x.size(-1) == w.size(1), "linear: input ", x.value().describe(), " with weight ",
            w.value().describe());
  const Tensor xb = x.value().to(DType::BF16).reshape({-1, x.size(-1)}), wb = w.value().to(DType::BF16);
  const Shape x_shape = x.value().shape();
  Shape out_shape = x_shape;
  out_shape[out_shape.size() - 1] = w.size(0);
  const DType out_dtype = x.value().dtype();
  VCC_CHECK(out_dtype == DType::F32, "linear_bf16: float32 input expected, got ", x.value().describe());
  Tensor y = Tensor::empty({xb.size(0), w.size(0)}, out_dtype, x.value().device());
  if (bias.defined()) y.copy_(bias.value().expand(y.shape()));
  kernels::gemm_into(xb, wb, y, false, true, 1.0, bias.defined() ? 1.0 : 0.0);
  std::vector<Var> inputs{x, w};
  if (bias.defined()) inputs.push_back(bias);
  return make_result(
      y.view(out_shape), inputs,
      [xb, wb, x_shape, out_dtype](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        std::vector<Tensor> grads(needs.size());
        const Tensor g2 = g.reshape({-1, g.size(-1)});
        const Tensor gb = g2.to(DType::BF16);
        if (needs[0]) {  // dX = G W
          Tensor dx = Tensor::empty({gb.size(0), wb.size(1)}, out_dtype, g.device());
          kernels::gemm_into(gb, wb, dx, false, false, 1.0, 0.0);
          grads[0] = dx.view(x_shape);
        }
        if (needs[1]) {  // dW = G^T X
          grads[1] = Tensor::empty(wb.shape(), out_dtype, g.device());
          kernels::gemm_into(gb, xb, grads[1], true, false, 1.0, 0.0);
        }
        if (needs.size() > 2 && needs[2]) grads[2] = kernels::sum_to_shape(g2, {g2.size(1)});
        return grads;
      },
      "linear");
}

}  // namespace vcc
