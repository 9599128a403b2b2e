#pragma once
// Cross-entropy math (PyTorch's rule with label smoothing e over C classes) as host/device
// functors. The target distribution is q = (1 - e) onehot(t) + e / C, so with
// lse = log(sum exp(x)):
//   loss = (1 - e) (lse - x_t) + e (lse - mean_c x_c)
//   dloss/dx_c = softmax(x)_c - q_c = exp(x_c - lse) - e / C - (c == t) (1 - e).
// The CPU loops (cpu/cross_entropy_cpu.cpp) and CUDA kernels instantiate exactly these.
#include "core/hostdevice.h"
#include "kernels/softmax_ops.h"

namespace vcc::kernels {

struct CrossEntropy {
  template <class Acc>
  VCC_HOST_DEVICE static Acc loss(Acc lse, Acc x_target, Acc mean_x, Acc smoothing) {
    return (Acc(1) - smoothing) * (lse - x_target) + smoothing * (lse - mean_x);
  }
  // The gradient of a non-target class (scale: the row's upstream gradient); the target
  // class additionally gets target_correction().
  template <class T>
  VCC_HOST_DEVICE static T grad(T x, T lse, T uniform_mass, T scale) {
    return scale * (shifted_exp(x, lse) - uniform_mass);
  }
  template <class T>
  VCC_HOST_DEVICE static T target_correction(T smoothing, T scale) { return -scale * (T(1) - smoothing); }
};

}  // namespace vcc::kernels
