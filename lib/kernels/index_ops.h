#pragma once
// Indexing and sorting op math as host/device functors: index bounds, the where select,
// and the total order used by argsort/top-k. The CPU launchers (cpu/index_cpu.cpp,
// cpu/where_cpu.cpp, cpu/sort_cpu.cpp) and a CUDA twin share exactly these.
#include <cstdint>

#include "core/hostdevice.h"

namespace vcc::kernels {

// An index selects a position along a dimension of `size` entries. Negative indices are
// errors (as in torch.gather/index_select), not counted from the end.
template <class I>
VCC_HOST_DEVICE bool index_in_range(I index, int64_t size) {
  return index >= I(0) && static_cast<int64_t>(index) < size;
}

// cond ? a : b with any nonzero cond meaning true.
struct WhereOp {
  template <class C, class T>
  VCC_HOST_DEVICE static T apply(C cond, T a, T b) {
    return cond != C(0) ? a : b;
  }
};

// True for a floating NaN; never for integers (x != x is false for every integer).
template <class T>
VCC_HOST_DEVICE bool is_nan(T x) {
  return x != x;
}

// The order of (key, position) pairs along a sorted dimension: by key, ascending or
// descending; NaN after every number in both directions (a NaN score is never "best");
// equal keys (and NaNs) by position. It is a strict total order on distinct positions,
// so any sort algorithm, and a partial sort for top-k, gives the stable order.
template <class T>
struct KeyOrder {
  bool descending = false;

  VCC_HOST_DEVICE bool before(T a, int64_t ia, T b, int64_t ib) const {
    const bool na = is_nan(a), nb = is_nan(b);
    if (na || nb) return na == nb ? ia < ib : nb;
    if (a < b) return !descending;
    if (b < a) return descending;
    return ia < ib;
  }
};

}  // namespace vcc::kernels
