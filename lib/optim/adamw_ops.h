#pragma once
// AdamW per-element update math, written once as a host/device functor (CPU loop and CUDA twin).
//
// The formulas are PyTorch's torch.optim.AdamW (non-fused, amsgrad off):
//   p   <- p * (1 - lr * weight_decay)                 decoupled decay, applied first
//   m   <- beta1 * m + (1 - beta1) * g
//   v   <- beta2 * v + (1 - beta2) * g^2
//   p   <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// with t the 1-based step count of this parameter. eps is added outside the square root.
#include <cmath>
#include <cstdint>

#include "core/hostdevice.h"
#include "core/math.h"

namespace vcc::optim {

// Step-dependent scalars of one AdamW update, computed on the host in double precision.
struct AdamWCoefficients {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double decay = 1.0;                 // 1 - lr * weight_decay
  double step_size = 0.0;             // lr / (1 - beta1^t)
  double bias_correction2_sqrt = 1.0; // sqrt(1 - beta2^t)
};

// `step` is the 1-based count including the update being made.
inline AdamWCoefficients adamw_coefficients(double lr, double beta1, double beta2, double eps, double weight_decay,
                                            int64_t step) {
  AdamWCoefficients c;
  c.beta1 = beta1;
  c.beta2 = beta2;
  c.eps = eps;
  c.decay = 1.0 - lr * weight_decay;
  c.step_size = lr / (1.0 - std::pow(beta1, static_cast<double>(step)));
  c.bias_correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, static_cast<double>(step)));
  return c;
}

// The update in the parameter's own precision T (float parameters are updated in float, as
// PyTorch does), so a CUDA kernel and the CPU loop give the same bits for the same inputs
// wherever both evaluate the expression in the same order.
template <class T>
struct AdamWUpdate {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, eps, decay, step_size, bias_correction2_sqrt;

  explicit AdamWUpdate(const AdamWCoefficients& c)
      : beta1(static_cast<T>(c.beta1)),
        one_minus_beta1(static_cast<T>(1.0 - c.beta1)),
        beta2(static_cast<T>(c.beta2)),
        one_minus_beta2(static_cast<T>(1.0 - c.beta2)),
        eps(static_cast<T>(c.eps)),
        decay(static_cast<T>(c.decay)),
        step_size(static_cast<T>(c.step_size)),
        bias_correction2_sqrt(static_cast<T>(c.bias_correction2_sqrt)) {}

  VCC_HOST_DEVICE void operator()(T& p, T g, T& m, T& v) const {
    p = p * decay;
    m = beta1 * m + one_minus_beta1 * g;
    v = beta2 * v + one_minus_beta2 * (g * g);
    const T denom = math::sqrt(v) / bias_correction2_sqrt + eps;
    p = p - step_size * (m / denom);
  }
};

}  // namespace vcc::optim
