#pragma once
// Reductions along one axis (sum, mean, max, argmax) and over all elements, on any device.
// Every output is accumulated in a fixed order: results never depend on the thread count.
#include <utility>

#include "core/tensor.h"

namespace vcc::kernels {

Tensor sum(const Tensor& x, int dim, bool keepdim = false);
Tensor mean(const Tensor& x, int dim, bool keepdim = false);
// Maximum along dim and the int64 index of the first maximal element (NaN counts as maximal).
std::pair<Tensor, Tensor> max(const Tensor& x, int dim, bool keepdim = false);
Tensor argmax(const Tensor& x, int dim, bool keepdim = false);
// Sum of every element, shape []: fixed-size chunks summed independently, then combined
// left to right, so the result is bitwise the same for any thread count.
Tensor sum_all(const Tensor& x);
// Gradient of max along dim: zeros of input_shape holding g at each maximum's position.
// g and index have the reduced shape (with or without keepdim).
Tensor max_backward(const Tensor& g, const Tensor& index, const Shape& input_shape, int dim);

// Backend launchers (called by the front end only). Inputs are contiguous, x seen as
// [outer, n, inner]; outputs are allocated and contiguous; `values` may be undefined.
namespace cpu {
void sum(const Tensor& x, int64_t outer, int64_t n, int64_t inner, double divisor, const Tensor& out);
void max(const Tensor& x, int64_t outer, int64_t n, int64_t inner, const Tensor& values, const Tensor& index);
void sum_all(const Tensor& x, const Tensor& out);
void max_backward(const Tensor& g, const Tensor& index, int64_t outer, int64_t n, int64_t inner, const Tensor& out);
}  // namespace cpu
namespace cuda {
void sum(const Tensor& x, int64_t outer, int64_t n, int64_t inner, double divisor, const Tensor& out);
void max(const Tensor& x, int64_t outer, int64_t n, int64_t inner, const Tensor& values, const Tensor& index);
void sum_all(const Tensor& x, const Tensor& out);
void max_backward(const Tensor& g, const Tensor& index, int64_t outer, int64_t n, int64_t inner, const Tensor& out);
}  // namespace cuda

}  // namespace vcc::kernels
