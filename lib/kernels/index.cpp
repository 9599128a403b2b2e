#include "kernels/index.h"

#include "kernels/dispatch.h"

namespace vcc::kernels {
namespace {

void check_index_dtype(const char* op, const Tensor& index) {
  VCC_CHECK(index.dtype() == DType::I32 || index.dtype() == DType::I64, op, ": index must be int32 or int64, got ",
            index.describe());
}

void check_mask_dtype(const char* op, const Tensor& mask) {
  VCC_CHECK(mask.dtype() == DType::U8 || mask.dtype() == DType::I32 || mask.dtype() == DType::I64, op,
            ": condition must be uint8, int32 or int64, got ", mask.describe());
}

// index.size(d) <= t.size(d) for every d != dim (torch's rule for gather and scatter).
void check_index_fits(const char* op, const Tensor& t, int dim, const Tensor& index) {
  VCC_CHECK(index.dim() == t.dim(), op, ": index ", index.describe(), " must have the rank of ", t.describe());
  for (int d = 0; d < t.dim(); ++d)
    VCC_CHECK(d == dim || index.size(d) <= t.size(d), op, ": index ", index.describe(), " exceeds ", t.describe(),
              " in dimension ", d);
}

// A 1-D index along `dim` presented as a full-rank index of `shape` (stride 0 elsewhere),
// so index_select/index_add run on the gather/scatter launchers' row-copy paths.
Tensor broadcast_index(const Tensor& index, int dim, const Shape& shape) {
  Strides strides = Dims::filled(shape.size(), 0);
  strides[dim] = index.stride(0);
  return Tensor::from_storage(index.storage(), shape, strides, index.offset(), index.dtype());
}

}  // namespace

Tensor gather(const Tensor& x, int dim, const Tensor& index) {
  const int d = wrap_dim(dim, x.dim());
  check_index_dtype("gather", index);
  check_index_fits("gather", x, d, index);
  check_same_device("gather", x, index);
  Tensor out = Tensor::empty(index.shape(), x.dtype(), x.device());
  if (out.numel() == 0) return out;
  VCC_DISPATCH_DEVICE_INDEXED(x.device(), gather, "gather", x, d, index, out);
  return out;
}

Tensor scatter_add(const Tensor& base, int dim, const Tensor& index, const Tensor& src) {
  Tensor out = base.clone();
  scatter_add_(out, dim, index, src);
  return out;
}

void scatter_add_(const Tensor& out, int dim, const Tensor& index, const Tensor& src) {
  const int d = wrap_dim(dim, out.dim());
  check_index_dtype("scatter_add", index);
  check_index_fits("scatter_add", out, d, index);
  check_same_device("scatter_add", out, index, src);
  VCC_CHECK(out.is_contiguous(), "scatter_add into non-contiguous ", out.describe());
  VCC_CHECK(src.dtype() == out.dtype(), "scatter_add: src ", src.describe(), " into ", out.describe());
  VCC_CHECK(src.shape() == index.shape(), "scatter_add: src ", src.describe(), " must have the shape of index ",
            index.describe());
  if (index.numel() == 0) return;
  VCC_DISPATCH_DEVICE_INDEXED(out.device(), scatter_add, "scatter_add", out, d, index, src);
}

Tensor index_select(const Tensor& x, int dim, const Tensor& index) {
  const int d = wrap_dim(dim, x.dim());
  check_index_dtype("index_select", index);
  VCC_CHECK(index.dim() == 1, "index_select: index must be 1-D, got ", index.describe());
  check_same_device("index_select", x, index);
  Shape shape = x.shape();
  shape[d] = index.size(0);
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  VCC_DISPATCH_DEVICE_INDEXED(x.device(), gather, "index_select", x, d, broadcast_index(index, d, shape), out);
  return out;
}

void index_add_(const Tensor& out, int dim, const Tensor& index, const Tensor& src) {
  const int d = wrap_dim(dim, out.dim());
  check_index_dtype("index_add", index);
  VCC_CHECK(index.dim() == 1, "index_add: index must be 1-D, got ", index.describe());
  check_same_device("index_add", out, index, src);
  VCC_CHECK(out.is_contiguous(), "index_add into non-contiguous ", out.describe());
  VCC_CHECK(src.dtype() == out.dtype(), "index_add: src ", src.describe(), " into ", out.describe());
  Shape shape = out.shape();
  shape[d] = index.size(0);
  VCC_CHECK(src.shape() == shape, "index_add: src ", src.describe(), " for ", index.size(0), " indices into ",
            out.describe(), " along dimension ", d);
  if (src.numel() == 0) return;
  VCC_DISPATCH_DEVICE_INDEXED(out.device(), scatter_add, "index_add", out, d, broadcast_index(index, d, shape), src);
}

Tensor concat(const std::vector<Tensor>& xs, int dim) {
  VCC_CHECK(!xs.empty(), "concat of no tensors");
  const Tensor& first = xs[0];
  const int d = wrap_dim(dim, first.dim());
  Shape shape = first.shape();
  shape[d] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    VCC_CHECK(x.dtype() == first.dtype() && x.dim() == first.dim(), "concat: input ", i, " ", x.describe(),
              " vs input 0 ", first.describe());
    check_same_device("concat", first, x);
    for (int k = 0; k < x.dim(); ++k)
      VCC_CHECK(k == d || x.size(k) == first.size(k), "concat: input ", i, " ", x.describe(), " differs from input 0 ",
                first.describe(), " outside dimension ", d);
    shape[d] += x.size(d);
  }
  Tensor out = Tensor::empty(shape, first.dtype(), first.device());
  if (out.numel() == 0) return out;
  VCC_DISPATCH_DEVICE(first.device(), concat, xs, d, out);
  return out;
}

std::vector<Tensor> split(const Tensor& x, int dim, const std::vector<int64_t>& sizes) {
  const int d = wrap_dim(dim, x.dim());
  int64_t total = 0;
  for (int64_t s : sizes) {
    VCC_CHECK(s >= 0, "split: negative piece size ", s, " for ", x.describe());
    total += s;
  }
  VCC_CHECK(total == x.size(d), "split: piece sizes add up to ", total, " but ", x.describe(), " has ", x.size(d),
            " along dimension ", d);
  std::vector<Tensor> pieces;
  pieces.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t s : sizes) {
    pieces.push_back(x.narrow(d, start, s));
    start += s;
  }
  return pieces;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_mask_dtype("where", cond);
  VCC_CHECK(a.dtype() == b.dtype(), "where: values ", a.describe(), " and ", b.describe(), " differ in dtype");
  check_same_device("where", cond, a, b);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape()), b.shape());
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  if (out.numel() == 0) return out;
  VCC_DISPATCH_DEVICE(a.device(), where, cond.expand(shape), a.expand(shape), b.expand(shape), out);
  return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_mask_dtype("masked_fill", mask);
  VCC_CHECK(broadcast_shapes(mask.shape(), x.shape()) == x.shape(), "masked_fill: mask ", mask.describe(),
            " does not broadcast to ", x.describe());
  // A 0-d fill value expands with stride 0: one select kernel serves both ops.
  return where(mask, Tensor::full({}, value, x.dtype(), x.device()), x);
}

Tensor argsort(const Tensor& x, int dim, bool descending) {
  const int d = wrap_dim(dim, x.dim());
  Tensor out = Tensor::empty(x.shape(), DType::I64, x.device());
  if (out.numel() == 0) return out;
  VCC_DISPATCH_DEVICE(x.device(), argsort, x, d, descending, out);
  return out;
}

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int dim, bool largest) {
  const int d = wrap_dim(dim, x.dim());
  VCC_CHECK(k >= 0 && k <= x.size(d), "topk: k = ", k, " is out of range for dimension ", d, " of size ", x.size(d),
            " (", x.describe(), ")");
  Shape shape = x.shape();
  shape[d] = k;
  Tensor values = Tensor::empty(shape, x.dtype(), x.device());
  Tensor indices = Tensor::empty(shape, DType::I64, x.device());
  if (values.numel() == 0) return {values, indices};
  VCC_DISPATCH_DEVICE(x.device(), topk, x, k, d, largest, values, indices);
  return {values, indices};
}

}  // namespace vcc::kernels
