#pragma once
// Softmax and log-softmax along any axis (numerically stable: exponentials of x - max),
// and their backward, on any device.
#include "core/tensor.h"

namespace vcc::kernels {

Tensor softmax(const Tensor& x, int dim);
Tensor log_softmax(const Tensor& x, int dim);
// dx from the forward output y and dy.
Tensor softmax_backward(const Tensor& y, const Tensor& g, int dim);
Tensor log_softmax_backward(const Tensor& y, const Tensor& g, int dim);

// Backend launchers (called by the front end only). Inputs are contiguous and seen as
// [outer, n, inner] around the axis; out is allocated and contiguous.
namespace cpu {
void softmax(const Tensor& x, int64_t outer, int64_t n, int64_t inner, bool log, const Tensor& out);
void softmax_backward(const Tensor& y, const Tensor& g, int64_t outer, int64_t n, int64_t inner, bool log,
                      const Tensor& out);
}  // namespace cpu
namespace cuda {
void softmax(const Tensor& x, int64_t outer, int64_t n, int64_t inner, bool log, const Tensor& out);
void softmax_backward(const Tensor& y, const Tensor& g, int64_t outer, int64_t n, int64_t inner, bool log,
                      const Tensor& out);
}  // namespace cuda

}  // namespace vcc::kernels
