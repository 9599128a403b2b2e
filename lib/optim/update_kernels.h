#pragma once
// Optimizer update kernels on any device: AdamW and SGD steps in place, and the float64
// sum of squares used by gradient clipping. Front ends check and dispatch; the math lives
// in adamw_ops.h / sgd_ops.h and is shared by the cpu/ and cuda/ launchers.
#include "core/tensor.h"
#include "optim/adamw_ops.h"
#include "optim/sgd_ops.h"

namespace vcc::optim {

// param, exp_avg, exp_avg_sq: contiguous, same shape/dtype/device, updated in place.
// grad: same shape and dtype (any layout).
void adamw_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                  const AdamWCoefficients& c);
// momentum_buffer: undefined when c.momentum == 0, else contiguous like param.
void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdCoefficients& c);
// Sum of x^2 accumulated in float64 over fixed chunks combined in order: the result does
// not depend on the thread count.
double sum_of_squares(const Tensor& x);
// The same sum written into `out` (one float64 element on x's device) instead of returned:
// no copy to the host, so a norm over many tensors costs one host sync, not one per tensor.
void sum_of_squares_into(const Tensor& x, const Tensor& out);

// Backend launchers (called by the front ends only); every tensor is contiguous.
namespace cpu {
void adamw_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                  const AdamWCoefficients& c);
void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdCoefficients& c);
double sum_of_squares(const Tensor& x);
void sum_of_squares_into(const Tensor& x, const Tensor& out);
}  // namespace cpu
namespace cuda {
void adamw_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                  const AdamWCoefficients& c);
void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdCoefficients& c);
double sum_of_squares(const Tensor& x);
void sum_of_squares_into(const Tensor& x, const Tensor& out);
}  // namespace cuda

}  // namespace vcc::optim
