#pragma once
// LayerNorm and RMSNorm math as host/device functors. RMSNorm is LayerNorm without
// centring: mean = 0 and no bias, so one set of formulas serves both. The CPU loops
// (cpu/norm_cpu.cpp) and CUDA kernels instantiate exactly these.
#include "core/hostdevice.h"
#include "core/math.h"

namespace vcc::kernels {

struct Norm {
  // 1 / sqrt(variance + eps), variance being the biased variance (RMS: the mean square).
  template <class Acc>
  VCC_HOST_DEVICE static Acc rstd(Acc variance, double eps) {
    return Acc(1) / math::sqrt(variance + static_cast<Acc>(eps));
  }
  template <class T>
  VCC_HOST_DEVICE static T normalised(T x, T mean, T rstd) { return (x - mean) * rstd; }
  template <class T>
  VCC_HOST_DEVICE static T forward(T x, T mean, T rstd, T weight, T bias) {
    return normalised(x, mean, rstd) * weight + bias;
  }
  // dx from gw = dy * weight, the normalised input xh and the row means c1 = mean(gw)
  // (0 for RMSNorm) and c2 = mean(gw * xh).
  template <class T>
  VCC_HOST_DEVICE static T backward(T gw, T xh, T rstd, T c1, T c2) { return rstd * (gw - c1 - xh * c2); }
};

}  // namespace vcc::kernels
