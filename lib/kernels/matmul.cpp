#include "kernels/matmul.h"

#include "kernels/dispatch.h"

namespace vcc::kernels {
namespace {

// Batch shape of op(a) @ op(b) and the output shape.
Shape product_shape(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  VCC_CHECK(a.dim() >= 2 && b.dim() >= 2, "matmul needs matrices: ", a.describe(), " @ ", b.describe());
  int64_t m = ta ? a.size(-1) : a.size(-2), ka = ta ? a.size(-2) : a.size(-1);
  int64_t kb = tb ? b.size(-1) : b.size(-2), n = tb ? b.size(-2) : b.size(-1);
  VCC_CHECK(ka == kb, "matmul inner dimensions differ: ", a.describe(), (ta ? "^T" : ""), " @ ", b.describe(),
            (tb ? "^T" : ""));
  Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape out = broadcast_shapes(ba, bb);
  out.push_back(m);
  out.push_back(n);
  return out;
}

Tensor expand_batch(const Tensor& t, const Shape& out_shape) {
  Shape s(out_shape.begin(), out_shape.end() - 2);
  s.push_back(t.size(-2));
  s.push_back(t.size(-1));
  return t.expand(s);
}

// Same dtypes throughout, or bfloat16 operands into a float32 C (mixed-precision Linear).
void check_dtypes(const Tensor& a, const Tensor& b, DType out) {
  VCC_CHECK(a.dtype() == b.dtype() && (a.dtype() == out || (a.dtype() == DType::BF16 && out == DType::F32)), "gemm of ",
            a.describe(), ", ", b.describe(), " into ", dtype_name(out));
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, double alpha) {
  return matmul(a, b, trans_a, trans_b, alpha, a.dtype());
}

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, double alpha, DType out_dtype) {
  check_dtypes(a, b, out_dtype);
  check_same_device("matmul", a, b);
  Shape shape = product_shape(a, b, trans_a, trans_b);
  Tensor c = Tensor::empty(shape, out_dtype, a.device());
  VCC_DISPATCH_DEVICE(a.device(), gemm_batched, expand_batch(a, shape), expand_batch(b, shape), c, trans_a, trans_b,
                      alpha, 0.0);
  return c;
}

void gemm_into(const Tensor& a, const Tensor& b, const Tensor& c, bool trans_a, bool trans_b, double alpha,
               double beta) {
  check_dtypes(a, b, c.dtype());
  check_same_device("gemm", a, b, c);
  Shape shape = product_shape(a, b, trans_a, trans_b);
  VCC_CHECK(shape == c.shape(), "gemm output ", c.describe(), " but the product is ", shape.str());
  VCC_DISPATCH_DEVICE(a.device(), gemm_batched, expand_batch(a, shape), expand_batch(b, shape), c, trans_a, trans_b,
                      alpha, beta);
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) { return linear(x, w, bias, x.dtype()); }

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias, DType out_dtype) {
  VCC_CHECK(w.dim() == 2 && x.size(-1) == w.size(1), "linear: input ", x.describe(), " with weight ", w.describe());
  Shape out_shape = x.shape();
  out_shape[out_shape.size() - 1] = w.size(0);
  Tensor x2 = x.reshape({-1, x.size(-1)});
  Tensor y = Tensor::empty({x2.size(0), w.size(0)}, out_dtype, x.device());
  if (bias.defined()) {
    VCC_CHECK(bias.dim() == 1 && bias.size(0) == w.size(0), "linear: bias ", bias.describe(), " for weight ",
              w.describe());
    y.copy_(bias.expand(y.shape()));
    gemm_into(x2, w, y, false, true, 1.0, 1.0);
  } else {
    gemm_into(x2, w, y, false, true, 1.0, 0.0);
  }
  return y.view(out_shape);
}

}  // namespace vcc::kernels
