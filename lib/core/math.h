#pragma once
// Scalar math for host/device functors. Explicit float/double overloads of the C library
// functions: unqualified calls inside namespace vcc would find the Var overloads of
// autograd instead, and CUDA device code has exactly these C functions.
#include <math.h>

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

}  // namespace vcc::math
