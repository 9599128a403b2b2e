#pragma once
// Softmax and log-softmax math as host/device functors, per element given the row
// statistics: the maximum m, s = sum of exp(x - m), and for backward a sum over the row of
// backward_term. The CPU loops (cpu/softmax_cpu.cpp) and CUDA kernels instantiate these.
#include <stdint.h>

#include "core/hostdevice.h"
#include "core/math.h"

namespace vcc::kernels {

// exp for the softmax family. float: Cephes' range reduction and degree-7 polynomial,
// written branch-free so that loops over it vectorise (libm's expf is an opaque call that
// the compiler cannot vectorise); max error 1 ulp. exp(0) == 1 and exp(-inf) == 0 exactly,
// NaN propagates; above 88.72 it saturates at exp(88.72) ~ FLT_MAX instead of overflowing
// (softmax only takes x - max <= 0). double: libm. CUDA device code uses its own expf.
VCC_HOST_DEVICE float exp_vectorisable(float x) {
#if defined(__CUDA_ARCH__)
  return ::expf(x);  // GPUs evaluate expf in parallel already
#else
  // Clamping the input keeps one straight-line path: below -104, 2^n e rounds to 0 exactly.
  const float lo = -105.0f, hi = 88.72283935546875f;
  float xc = x < lo ? lo : x;  // NaN passes through both
  xc = xc > hi ? hi : xc;
  // n = round(xc / ln2), read as an integer from the low mantissa bits of xc / ln2 + 1.5 * 2^23.
  const float shifted = xc * 1.44269504088896341f + 12582912.0f;
  const float n = shifted - 12582912.0f;
  const float r = (xc - n * 0.693359375f) + n * 2.12194440e-4f;  // xc - n ln2 in two parts
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.0f;
  // 2^n as two powers of two, so that n down to -152 (denormal or zero results) is exact.
  int32_t bits;
  __builtin_memcpy(&bits, &shifted, 4);
  const int32_t k = bits - 0x4B400000, k1 = k >> 1, k2 = k - k1;
  const int32_t b1 = (k1 + 127) << 23, b2 = (k2 + 127) << 23;
  float s1, s2;
  __builtin_memcpy(&s1, &b1, 4);
  __builtin_memcpy(&s2, &b2, 4);
  return e * s1 * s2;
#endif
}
VCC_HOST_DEVICE double exp_vectorisable(double x) { return math::exp(x); }

template <class T>
VCC_HOST_DEVICE T shifted_exp(T x, T max) {
  return exp_vectorisable(x - max);
}

template <bool Log>
struct Softmax;

// y = exp(x - m) / s;  dx = y * (dy - sum(dy * y)).
template <>
struct Softmax<false> {
  template <class Acc>
  VCC_HOST_DEVICE static Acc normaliser(Acc s) { return Acc(1) / s; }
  // From x's shifted exponential e and the normaliser.
  template <class T>
  VCC_HOST_DEVICE static T forward(T e, T x, T max, T norm) { return e * norm; }
  template <class T>
  VCC_HOST_DEVICE static T backward_term(T y, T g) { return g * y; }
  template <class T>
  VCC_HOST_DEVICE static T backward(T y, T g, T row_sum) { return y * (g - row_sum); }
};

// y = x - m - log(s);  dx = dy - exp(y) * sum(dy).
template <>
struct Softmax<true> {
  template <class Acc>
  VCC_HOST_DEVICE static Acc normaliser(Acc s) { return math::log(s); }
  template <class T>
  VCC_HOST_DEVICE static T forward(T e, T x, T max, T norm) { return x - max - norm; }
  template <class T>
  VCC_HOST_DEVICE static T backward_term(T y, T g) { return g; }
  template <class T>
  VCC_HOST_DEVICE static T backward(T y, T g, T row_sum) { return g - exp_vectorisable(y) * row_sum; }
};

}  // namespace vcc::kernels
