#pragma once
// Reduction math as host/device functors: the accumulator type of sums and the running
// maximum with its position. The CPU loops (cpu/reduce_cpu.cpp) and CUDA kernels
// instantiate exactly these.
#include <cstdint>

#include "core/hostdevice.h"

namespace vcc::kernels {

// Sums of float and double accumulate in double, so a float sum over a long row is the
// correctly rounded float of a nearly exact result.
template <class T>
struct Accumulate {
  using type = double;
};
template <class T>
using acc_t = typename Accumulate<T>::type;

// Running maximum and where it is. NaN counts as larger than any number (a NaN maximum
// propagates, as in PyTorch); among equal values the lower index wins.
template <class T>
struct MaxIndex {
  T value;
  int64_t index;

  VCC_HOST_DEVICE static bool greater(T a, T b) { return a > b || (a != a && b == b); }
  // Visits element i; callers visit in increasing i, so ties keep the first index.
  VCC_HOST_DEVICE void update(T v, int64_t i) {
    if (greater(v, value)) {
      value = v;
      index = i;
    }
  }
};

}  // namespace vcc::kernels
