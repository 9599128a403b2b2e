#pragma once
// A contiguous tensor seen as [outer, n, inner] around one axis: the layout that every
// along-an-axis kernel (reductions, softmax) loops over.
#include <cstdint>

#include "core/shape.h"

namespace vcc::kernels {

struct AxisSplit {
  int dim = 0;  // the axis, wrapped to [0, rank)
  int64_t outer = 1, n = 1, inner = 1;
};

inline AxisSplit split_at(const Shape& shape, int dim) {
  AxisSplit s;
  s.dim = wrap_dim(dim, shape.size());
  for (int i = 0; i < s.dim; ++i) s.outer *= shape[i];
  s.n = shape[s.dim];
  for (int i = s.dim + 1; i < shape.size(); ++i) s.inner *= shape[i];
  return s;
}

// `shape` after reducing axis `dim`: the axis removed, or kept with size 1.
inline Shape reduced_shape(const Shape& shape, int dim, bool keepdim) {
  Shape out = shape;
  int d = wrap_dim(dim, shape.size());
  if (keepdim)
    out[d] = 1;
  else
    out.erase(d);
  return out;
}

}  // namespace vcc::kernels
