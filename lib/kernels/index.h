#pragma once
// Indexing and sorting kernels on any device: gather / scatter-add, index-select /
// index-add, concat / split, where / masked-fill, stable argsort and top-k.
#include <cstdint>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "kernels/index_ops.h"

namespace vcc::kernels {

// torch.gather: out[i][j][k] = x[i][index[i][j][k]][k] for dim == 1. index is int32/int64
// with x's rank and index.size(d) <= x.size(d) for every d != dim; out has index's shape
// and x's dtype. An index outside [0, x.size(dim)) is an error naming it.
Tensor gather(const Tensor& x, int dim, const Tensor& index);

// torch.scatter_add: a copy of base, then out[i][index[i][j][k]][k] += src[i][j][k] for
// dim == 1. src has index's shape; index.size(d) <= base.size(d) for d != dim. Repeated
// indices accumulate in increasing index position, whatever the thread count.
Tensor scatter_add(const Tensor& base, int dim, const Tensor& index, const Tensor& src);
// The same, in place into a contiguous `out` (left partially updated if an index is bad).
void scatter_add_(const Tensor& out, int dim, const Tensor& index, const Tensor& src);

// torch.index_select: the slices of x at positions index (1-D int32/int64) along dim.
Tensor index_select(const Tensor& x, int dim, const Tensor& index);
// The adjoint of index_select, in place into a contiguous `out`: for j = 0, 1, ... in
// order, out.select(dim, index[j]) += src.select(dim, j).
void index_add_(const Tensor& out, int dim, const Tensor& index, const Tensor& src);

// Joins tensors of one dtype and device along dim; all other sizes must agree.
Tensor concat(const std::vector<Tensor>& xs, int dim);
// Views of consecutive pieces of x along dim with the given sizes (which must add up to
// x.size(dim)).
std::vector<Tensor> split(const Tensor& x, int dim, const std::vector<int64_t>& sizes);

// cond ? a : b element-wise with NumPy broadcasting of all three; cond is uint8/int32/
// int64 (nonzero = true); a and b share a dtype.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// x with `value` where mask (uint8/int32/int64, broadcasting to x's shape) is nonzero.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// int64 indices that sort x along dim, stable (see KeyOrder: NaN last, ties by position).
Tensor argsort(const Tensor& x, int dim, bool descending);
// The k best entries along dim (largest or smallest), best first, ties to the lower
// position: exactly the first k of argsort(x, dim, largest). Returns (values, int64
// indices) with x's shape except k along dim; k > x.size(dim) is an error.
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int dim, bool largest);

// Backend launchers (called by the front end only). `dim` is non-negative; outputs are
// allocated and contiguous. `op` names the user-facing op in error messages.
namespace cpu {
void gather(const char* op, const Tensor& x, int dim, const Tensor& index, const Tensor& out);
void scatter_add(const char* op, const Tensor& out, int dim, const Tensor& index, const Tensor& src);
void concat(const std::vector<Tensor>& xs, int dim, const Tensor& out);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void argsort(const Tensor& x, int dim, bool descending, const Tensor& out);
void topk(const Tensor& x, int64_t k, int dim, bool largest, const Tensor& values, const Tensor& indices);
}  // namespace cpu
namespace cuda {
void gather(const char* op, const Tensor& x, int dim, const Tensor& index, const Tensor& out);
void scatter_add(const char* op, const Tensor& out, int dim, const Tensor& index, const Tensor& src);
void concat(const std::vector<Tensor>& xs, int dim, const Tensor& out);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void argsort(const Tensor& x, int dim, bool descending, const Tensor& out);
void topk(const Tensor& x, int64_t k, int dim, bool largest, const Tensor& values, const Tensor& indices);
}  // namespace cuda

}  // namespace vcc::kernels
