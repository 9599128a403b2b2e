#include "kernels/elementwise.h"

#include "kernels/dispatch.h"

namespace vcc::kernels {

Tensor unary(UnaryOp op, const Tensor& x, double a) {
  VCC_CHECK(is_floating(x.dtype()), "unary op on ", x.describe());
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  VCC_DISPATCH_DEVICE(x.device(), unary, op, xc, out, a);
  return out;
}

Tensor unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& g, double a) {
  VCC_CHECK(x.shape() == g.shape(), "unary_backward: x ", x.describe(), " vs grad ", g.describe());
  check_same_device("unary_backward", x, y, g);
  Tensor xc = x.contiguous(), gc = g.contiguous();
  Tensor yc = y.defined() ? y.contiguous() : Tensor();
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  VCC_DISPATCH_DEVICE(x.device(), unary_backward, op, xc, yc, gc, out, a);
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  VCC_CHECK(a.dtype() == b.dtype(), "binary op on ", a.describe(), " and ", b.describe());
  check_same_device("binary op", a, b);
  Shape shape = broadcast_shapes(a.shape(), b.shape());
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  VCC_DISPATCH_DEVICE(a.device(), binary, op, a.expand(shape), b.expand(shape), out);
  return out;
}

void binary_backward(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& g, Tensor* grad_a,
                     Tensor* grad_b) {
  const Shape& shape = g.shape();
  Tensor ae = a.expand(shape), be = b.expand(shape), gc = g.contiguous();
  // Add/Sub need no operand values: skip the full-size temporary when nothing broadcasts.
  auto one = [&](bool wrt_a, const Tensor& operand) {
    if ((op == BinaryOp::Add || (op == BinaryOp::Sub && wrt_a)) && operand.shape() == shape) return gc;
    Tensor full = Tensor::empty(shape, g.dtype(), g.device());
    VCC_DISPATCH_DEVICE(g.device(), binary_grad, op, wrt_a, ae, be, gc, full);
    return operand.shape() == shape ? full : sum_to_shape(full, operand.shape());
  };
  if (grad_a) *grad_a = one(true, a);
  if (grad_b) *grad_b = one(false, b);
}

Tensor sum_to_shape(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  broadcast_shapes(shape, x.shape());  // validates
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  VCC_DISPATCH_DEVICE(x.device(), sum_to_shape, x.contiguous(), out);
  return out;
}

void add_inplace(const Tensor& dst, const Tensor& src, double alpha) {
  VCC_CHECK(dst.is_contiguous(), "add_inplace into non-contiguous ", dst.describe());
  VCC_CHECK(dst.dtype() == src.dtype(), "add_inplace: ", dst.describe(), " += ", src.describe());
  check_same_device("add_inplace", dst, src);
  VCC_DISPATCH_DEVICE(dst.device(), add_inplace, dst, src.expand(dst.shape()), alpha);
}

void scale_inplace(const Tensor& dst, double alpha) {
  VCC_CHECK(dst.is_contiguous(), "scale_inplace of non-contiguous ", dst.describe());
  VCC_DISPATCH_DEVICE(dst.device(), scale_inplace, dst, alpha);
}

}  // namespace vcc::kernels
