#pragma once
// Element-wise ops with NumPy broadcasting, and their backward, on any device.
#include "core/tensor.h"
#include "kernels/elementwise_ops.h"

namespace vcc::kernels {

// y = op(x) (a: the op's scalar parameter).
Tensor unary(UnaryOp op, const Tensor& x, double a = 0.0);
// g * op'(x); y = op(x) may be undefined for ops whose derivative does not use it.
Tensor unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& g, double a = 0.0);
// c = a op b, broadcasting; a and b must share dtype and device.
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
// Gradients of c = a op b given dc, each summed down to its operand's shape. Pass nullptr
// for a gradient that is not needed.
void binary_backward(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& g, Tensor* grad_a, Tensor* grad_b);
// Sums the broadcast dimensions of x away so the result has `shape` (x's shape must
// broadcast from it). Summation order is fixed: deterministic for any thread count.
Tensor sum_to_shape(const Tensor& x, const Shape& shape);
// dst += alpha * src, in place (dst contiguous; src broadcasts to dst).
void add_inplace(const Tensor& dst, const Tensor& src, double alpha = 1.0);
// dst *= alpha, in place.
void scale_inplace(const Tensor& dst, double alpha);

// Backend launchers (called by the front end only). Outputs are allocated, contiguous.
namespace cpu {
void unary(UnaryOp op, const Tensor& x, const Tensor& out, double a);
void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& g, const Tensor& out, double a);
void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
void binary_grad(BinaryOp op, bool wrt_a, const Tensor& a, const Tensor& b, const Tensor& g, const Tensor& out);
void sum_to_shape(const Tensor& x, const Tensor& out);
void add_inplace(const Tensor& dst, const Tensor& src, double alpha);
void scale_inplace(const Tensor& dst, double alpha);
}  // namespace cpu
namespace cuda {
void unary(UnaryOp op, const Tensor& x, const Tensor& out, double a);
void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& g, const Tensor& out, double a);
void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
void binary_grad(BinaryOp op, bool wrt_a, const Tensor& a, const Tensor& b, const Tensor& g, const Tensor& out);
void sum_to_shape(const Tensor& x, const Tensor& out);
void add_inplace(const Tensor& dst, const Tensor& src, double alpha);
void scale_inplace(const Tensor& dst, double alpha);
}  // namespace cuda

}  // namespace vcc::kernels
