#pragma once
// Differentiable indexing ops (gather/scatter/select/concat/split/where) and the
// non-differentiable sorting ops VCC's block selection needs.
#include <cstdint>
#include <utility>
#include <vector>

#include "autograd/variable.h"

namespace vcc {

// out[i][j][k] = x[i][index[i][j][k]][k] for dim == 1 (torch.gather); index int64/int32,
// same rank as x. Backward scatter-adds.
Var gather(const Var& x, int dim, const Tensor& index);
// out = base, then out[i][index[i][j][k]][k] += src[i][j][k] for dim == 1 (torch.scatter_add).
// Duplicate indices accumulate in a fixed order (deterministic).
Var scatter_add(const Var& base, int dim, const Tensor& index, const Var& src);
// Slices of x at positions `index` (1-D) along dim (torch.index_select).
Var index_select(const Var& x, int dim, const Tensor& index);
Var concat(const std::vector<Var>& xs, int dim);
std::vector<Var> split(const Var& x, int dim, const std::vector<int64_t>& sizes);
// cond ? a : b, broadcasting; cond is uint8/int (nonzero = true), no gradient.
Var where(const Tensor& cond, const Var& a, const Var& b);
// x with `value` where mask is nonzero (mask broadcasts to x).
Var masked_fill(const Var& x, const Tensor& mask, double value);

// Indices that sort x along dim (int64). Stable: equal keys keep their order.
Tensor argsort(const Tensor& x, int dim = -1, bool descending = false);
// The k largest (or smallest) values along dim and their indices, best first; ties go
// to the lower index (deterministic).
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int dim = -1, bool largest = true);
// Index of the maximum along dim (first one on ties), int64, dim removed.
Tensor argmax(const Tensor& x, int dim);

}  // namespace vcc
