// CUDA launchers for gather and scatter-add (index_select / index_add arrive with a
// broadcast index), concat and where, using the functors of kernels/index_ops.h. Gather
// and where are element-wise; scatter-add gives each thread one fiber (a position outside
// `dim`) and adds along it in index order, so repeated indices sum exactly as on the CPU.
#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "core/cuda/strided_offsets.cuh"
#include "kernels/cuda/bad_index_flag.h"
#include "kernels/index.h"
#include "kernels/index_ops.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::launch_for_each;
using vcc::cuda::OpMath;
using vcc::cuda::StridedOffsets;

int device_of(const Tensor& t, const char* op) {
  vcc::cuda::require_current(t.device(), op);
  return t.device().index;
}

// The error the CPU launcher raises: the first bad index in index order.
// `size` and `what` describe the indexed tensor (captured at the launch, so the check does
// not keep that tensor alive).
[[noreturn]] void fail_bad_index(const char* op, const Tensor& index, int dim, int64_t size, const std::string& what) {
  // Stride-0 dims repeat the same values: drop them so a broadcast index is not materialised.
  Shape distinct = index.shape();
  for (int d = 0; d < index.dim(); ++d)
    if (index.stride(d) == 0) distinct[d] = 1;
  const Tensor values = Tensor::from_storage(index.storage(), distinct, index.strides(), index.offset(), index.dtype());
  for (int64_t v : values.to_vector<int64_t>())
    if (!index_in_range(v, size))
      VCC_FAIL(op, ": index ", v, " is out of range for dimension ", dim, " of size ", size, " (", what, ")");
  VCC_FAIL(op, ": an index was flagged out of range for dimension ", dim, " of size ", size, " but none is");
}

// Elements are moved as raw words of their size (gather is dtype-agnostic).
template <class Fn>
void dispatch_word(size_t bytes, const char* op, Fn&& fn) {
  switch (bytes) {
    case 1: fn(TypeTag<uint8_t>{}); return;
    case 2: fn(TypeTag<uint16_t>{}); return;
    case 4: fn(TypeTag<uint32_t>{}); return;
    case 8: fn(TypeTag<uint64_t>{}); return;
    default: VCC_FAIL(op, ": unsupported element size ", bytes);
  }
}

template <class Fn>
void dispatch_condition(DType dt, Fn&& fn) {
  switch (dt) {
    case DType::U8: fn(TypeTag<uint8_t>{}); return;
    case DType::I32: fn(TypeTag<int32_t>{}); return;
    case DType::I64: fn(TypeTag<int64_t>{}); return;
    default: VCC_FAIL("where: unsupported condition dtype ", dtype_name(dt), " (uint8/int32/int64 expected)");
  }
}

template <class W, class I>
struct Gather {
  StridedOffsets<3> at;  // out, index, x (x's stride along dim zeroed: the index supplies it)
  W* out;
  const I* index;
  const W* x;
  int64_t size, x_dim_stride;
  int32_t* bad;
  __device__ void operator()(int64_t e) const {
    int64_t off[3];
    at.get(e, off);
    const I v = index[off[1]];
    if (!index_in_range(v, size)) {
      *bad = 1;
      return;
    }
    out[off[0]] = x[off[2] + static_cast<int64_t>(v) * x_dim_stride];
  }
};

template <class T, class I>
struct ScatterAdd {
  StridedOffsets<3> at;  // out, index, src over the fibers (dim removed)
  T* out;
  const I* index;
  const T* src;
  int64_t count, size, out_dim_stride, index_dim_stride, src_dim_stride;
  int32_t* bad;
  __device__ void operator()(int64_t f) const {
    int64_t off[3];
    at.get(f, off);
    for (int64_t j = 0; j < count; ++j) {
      const I v = index[off[1] + j * index_dim_stride];
      if (!index_in_range(v, size)) {
        *bad = 1;
        continue;
      }
      T* o = out + off[0] + static_cast<int64_t>(v) * out_dim_stride;
      *o = OpMath<T>::store(OpMath<T>::load(*o) + OpMath<T>::load(src[off[2] + j * src_dim_stride]));
    }
  }
};

template <class C, class T>
struct Where {
  StridedOffsets<4> at;  // out, cond, a, b
  T* out;
  const C* cond;
  const T* a;
  const T* b;
  __device__ void operator()(int64_t e) const {
    int64_t off[4];
    at.get(e, off);
    out[off[0]] = WhereOp::apply(cond[off[1]], a[off[2]], b[off[3]]);
  }
};

}  // namespace

void gather(const char* op, const Tensor& x, int dim, const Tensor& index, const Tensor& out) {
  const int device = device_of(out, op);
  Strides xs = x.strides();
  xs[dim] = 0;
  const Strides* st[3] = {&out.strides(), &index.strides(), &xs};
  const StridedOffsets<3> at(index.shape(), st);
  BadIndexFlag bad(out.device());
  dispatch_word(x.element_size(), op, [&](auto wtag) {
    using W = typename decltype(wtag)::type;
    dispatch_index(index.dtype(), op, [&](auto itag) {
      using I = typename decltype(itag)::type;
      launch_for_each(index.numel(), device,
                      Gather<W, I>{at, static_cast<W*>(out.raw_data()), index.data<I>(),
                                   static_cast<const W*>(x.raw_data()), x.size(dim), x.stride(dim), bad.device_ptr()});
    });
  });
  bad.check_after_launch([op, index, dim, size = x.size(dim), what = x.describe()] {
    fail_bad_index(op, index, dim, size, what);
  });
}

void scatter_add(const char* op, const Tensor& out, int dim, const Tensor& index, const Tensor& src) {
  const int device = device_of(out, op);
  Shape fibers = index.shape();
  fibers[dim] = 1;
  const Strides* st[3] = {&out.strides(), &index.strides(), &src.strides()};
  const StridedOffsets<3> at(fibers, st);
  BadIndexFlag bad(out.device());
  vcc::cuda::dispatch_all_bf16(out.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    dispatch_index(index.dtype(), op, [&](auto itag) {
      using I = typename decltype(itag)::type;
      launch_for_each(fibers.numel(), device,
                      ScatterAdd<T, I>{at, static_cast<T*>(out.raw_data()), index.data<I>(),
                                       static_cast<const T*>(src.raw_data()), index.size(dim), out.size(dim),
                                       out.stride(dim), index.stride(dim), src.stride(dim), bad.device_ptr()});
    });
  });
  bad.check_after_launch([op, index, dim, size = out.size(dim), what = out.describe()] {
    fail_bad_index(op, index, dim, size, what);
  });
}

void concat(const std::vector<Tensor>& xs, int dim, const Tensor& out) {
  device_of(out, "concat");
  // Each input lands in its slice of the output through the device copy kernel, which
  // handles any strides (and is a plain element-wise copy for contiguous inputs).
  int64_t start = 0;
  for (const Tensor& x : xs) {
    const int64_t n = x.size(dim);
    if (n > 0) out.narrow(dim, start, n).copy_(x);
    start += n;
  }
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  const int device = device_of(out, "where");
  const Strides* st[4] = {&out.strides(), &cond.strides(), &a.strides(), &b.strides()};
  const StridedOffsets<4> at(out.shape(), st);
  vcc::cuda::dispatch_all_bf16(out.dtype(), "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    dispatch_condition(cond.dtype(), [&](auto ctag) {
      using C = typename decltype(ctag)::type;
      launch_for_each(out.numel(), device,
                      Where<C, T>{at, static_cast<T*>(out.raw_data()), cond.data<C>(),
                                  static_cast<const T*>(a.raw_data()), static_cast<const T*>(b.raw_data())});
    });
  });
}

}  // namespace vcc::kernels::cuda
