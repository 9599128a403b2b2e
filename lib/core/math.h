#pragma once
// Scalar math for host/device functors. Explicit float/double overloads of the C library
// functions: unqualified calls inside namespace vcc would find the Var overloads of
// autograd instead, and CUDA device code has exactly these C functions. Then float32
// functions written without calls or branches (exp, the normal CDF), which loops vectorise.
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/hostdevice.h"

namespace vcc::math {

#define VCC_MATH_1(NAME)                                              \
  VCC_HOST_DEVICE float NAME(float x) { return ::NAME##f(x); }        \
  VCC_HOST_DEVICE double NAME(double x) { return ::NAME(x); }
VCC_MATH_1(exp)
VCC_MATH_1(log)
VCC_MATH_1(sqrt)
VCC_MATH_1(tanh)
VCC_MATH_1(erf)
VCC_MATH_1(cos)
VCC_MATH_1(fabs)
VCC_MATH_1(log1p)
VCC_MATH_1(expm1)
#undef VCC_MATH_1
VCC_HOST_DEVICE float pow(float x, float y) { return ::powf(x, y); }
VCC_HOST_DEVICE double pow(double x, double y) { return ::pow(x, y); }

namespace detail {
VCC_HOST_DEVICE float bits_to_float(int32_t i) {
#if defined(__CUDA_ARCH__)
  return __int_as_float(i);
#else
  float f;
  memcpy(&f, &i, sizeof f);
  return f;
#endif
}
VCC_HOST_DEVICE int32_t float_to_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_int(f);
#else
  int32_t i;
  memcpy(&i, &f, sizeof i);
  return i;
#endif
}
// a * b + c, fused where the target has FMA (one rounding, one instruction per element).
VCC_HOST_DEVICE float madd(float a, float b, float c) {
#if defined(__CUDA_ARCH__) || defined(__FMA__)
  return fmaf(a, b, c);
#else
  return a * b + c;
#endif
}
}  // namespace detail

// exp(x) for float32 without calls or branches, so that a loop over it vectorises (glibc's
// expf only vectorises under -ffast-math, which the build does not use). x = k ln2 + r with
// |r| <= ln2/2 (Cody-Waite split of ln2), exp(r) by its Taylor series to r^7 (truncation
// error < 6e-9 relative), and 2^k applied in two halves so that results in the subnormal
// range and up to FLT_MAX stay right. Within 2 ulp of the correctly rounded value; exactly
// 1 at 0, 0 for x < -104 (including -inf), +inf for x > 88.73.
VCC_HOST_DEVICE float exp_fast(float x) {
  // Clamping (not selecting afterwards) keeps the loop free of branches: at -104 the two
  // scalings round the result to 0, at 89 they overflow it to +inf, as exp would.
  float xc = x < -104.0f ? -104.0f : x;
  xc = xc > 89.0f ? 89.0f : xc;
  // Round x * log2(e) to the nearest integer by adding 1.5 * 2^23: the integer lands in
  // the low mantissa bits, both as a float (kf) and as bits (k).
  const float shifter = 12582912.0f;
  const float t = detail::madd(xc, 1.44269504088896341f, shifter);
  const float kf = t - shifter;
  const int32_t k = detail::float_to_bits(t) - detail::float_to_bits(shifter);
  float r = detail::madd(kf, -0.693359375f, xc);  // ln2 high part: 9 bits, so kf * hi is exact
  r = detail::madd(kf, 2.12194440e-4f, r);        // -(ln2 - hi)
  float p = 1.0f / 5040.0f;
  p = detail::madd(p, r, 1.0f / 720.0f);
  p = detail::madd(p, r, 1.0f / 120.0f);
  p = detail::madd(p, r, 1.0f / 24.0f);
  p = detail::madd(p, r, 1.0f / 6.0f);
  p = detail::madd(p, r, 0.5f);
  p = detail::madd(p, r, 1.0f);
  p = detail::madd(p, r, 1.0f);
  const int32_t k1 = k >> 1, k2 = k - k1;
  return p * detail::bits_to_float((k1 + 127) << 23) * detail::bits_to_float((k2 + 127) << 23);
}

// The standard normal CDF Phi(x) and density phi(x) (GELU and its derivative). For float32
// without calls or branches, so that a loop over them vectorises, as exp_fast: the tail
// P(N < -|x|) = erfc(|x| / sqrt 2) / 2 comes from the Chebyshev fit of erfc in Numerical
// Recipes (erfcc: fractional error below 1.2e-7 for every argument), so it keeps its
// relative accuracy far into the tail instead of cancelling in 1 + erf(x). float64 (the
// reference and gradient-check precision) uses libm's erf.
VCC_HOST_DEVICE float normal_cdf(float x) {
  const float z = fabsf(x) * 0.70710678118654752f;
  const float t = 1.0f / detail::madd(0.5f, z, 1.0f);
  float p = 0.17087277f;
  p = detail::madd(p, t, -0.82215223f);
  p = detail::madd(p, t, 1.48851587f);
  p = detail::madd(p, t, -1.13520398f);
  p = detail::madd(p, t, 0.27886807f);
  p = detail::madd(p, t, -0.18628806f);
  p = detail::madd(p, t, 0.09678418f);
  p = detail::madd(p, t, 0.37409196f);
  p = detail::madd(p, t, 1.00002368f);
  p = detail::madd(p, t, -1.26551223f);
  const float tail = 0.5f * t * exp_fast(detail::madd(-z, z, p));
  return x < 0.0f ? tail : 1.0f - tail;
}
VCC_HOST_DEVICE double normal_cdf(double x) { return 0.5 * (1.0 + ::erf(x * 0.70710678118654752440)); }
VCC_HOST_DEVICE float normal_pdf(float x) { return exp_fast(-0.5f * x * x) * 0.39894228040143267794f; }
VCC_HOST_DEVICE double normal_pdf(double x) { return ::exp(-0.5 * x * x) * 0.39894228040143267794; }

}  // namespace vcc::math
