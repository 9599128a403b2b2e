// CUDA launchers of the VCC block tree (math in kernels/vcc_tree_ops.h). One thread owns
// one feature column e of one selected block and walks the block's tokens in order, so
// every sum is taken in the CPU loop's order and no two threads write the same element.
#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "kernels/cuda/bad_index_flag.h"
#include "kernels/vcc_tree.h"
#include "kernels/vcc_tree_ops.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::launch_for_each;
using vcc::cuda::OpMath;
using vcc::cuda::opmath_t;

// Tree sizes: B examples, N blocks of b tokens of d features, k selected blocks.
struct TreeDims {
  int64_t B, N, b, d, k;
};

TreeDims dims_of(const Tensor& offsets, const Tensor& blocks) {
  return {offsets.size(0), offsets.size(1), offsets.size(2), offsets.size(3), blocks.size(1)};
}

int device_of(const Tensor& t, const char* op) {
  vcc::cuda::require_current(t.device(), op);
  return t.device().index;
}

// The first out-of-range entry of an index list, as the CPU launchers report it.
[[noreturn]] void fail_index(const char* op, const Tensor& index, int64_t limit) {
  for (int64_t v : index.to_vector<int64_t>())
    if (v < 0 || v >= limit) VCC_FAIL(op, ": index ", v, " out of range [0, ", limit, ")");
  VCC_FAIL(op, ": an index was flagged out of range [0, ", limit, ") but none is");
}

template <class T>
struct Coarsen {
  TreeDims s;
  const T* tokens;
  const int64_t* blocks;
  const T* mask;
  const T* counts;
  T eps;
  T* offsets;
  T* means;
  int32_t* bad;
  __device__ void operator()(int64_t i) const {
    const int64_t t = i / s.d, e = i % s.d, batch = t / s.k, j = blocks[t];
    if (j < 0 || j >= s.N) {
      *bad = 1;
      return;
    }
    const T* m = mask + (batch * s.N + j) * s.b;
    const T inv = inverse_block_count(counts[batch * s.N + j], eps);
    const T* c = tokens + t * s.b * s.d + e;
    T mu = T(0);
    for (int64_t r = 0; r < s.b; ++r) mu += m[r] * c[r * s.d];
    mu *= inv;
    means[t * s.d + e] = mu;
    T* D = offsets + (batch * s.N + j) * s.b * s.d + e;
    for (int64_t r = 0; r < s.b; ++r) D[r * s.d] = mu - m[r] * c[r * s.d];
  }
};

template <class T>
struct CoarsenBackward {
  TreeDims s;
  const T* grad_means;
  const int64_t* blocks;
  const T* mask;
  const T* counts;
  T eps;
  T* grad_offsets;
  T* grad_tokens;
  int32_t* bad;
  __device__ void operator()(int64_t i) const {
    const int64_t t = i / s.d, e = i % s.d, batch = t / s.k, j = blocks[t];
    if (j < 0 || j >= s.N) {
      *bad = 1;
      return;
    }
    const T* m = mask + (batch * s.N + j) * s.b;
    const T inv = inverse_block_count(counts[batch * s.N + j], eps);
    T* G = grad_offsets + (batch * s.N + j) * s.b * s.d + e;
    // The mean feeds every offset of its block: total = g_mu + sum_r g_D_r.
    T total = grad_means[t * s.d + e];
    for (int64_t r = 0; r < s.b; ++r) total += G[r * s.d];
    T* out = grad_tokens + t * s.b * s.d + e;
    for (int64_t r = 0; r < s.b; ++r) {
      out[r * s.d] = coarsen_token_grad(m[r], inv, total, G[r * s.d]);
      G[r * s.d] = T(0);  // overwritten in forward: nothing earlier depends on it through here
    }
  }
};

template <class T>
struct Refine {
  TreeDims s;
  const T* means;
  const T* offsets;
  const int64_t* blocks;
  T* tokens;
  int32_t* bad;
  __device__ void operator()(int64_t i) const {
    const int64_t e = i % s.d, r = (i / s.d) % s.b, t = i / (s.d * s.b), batch = t / s.k, j = blocks[t];
    if (j < 0 || j >= s.N) {
      *bad = 1;
      return;
    }
    tokens[i] = means[(batch * s.N + j) * s.d + e] - offsets[((batch * s.N + j) * s.b + r) * s.d + e];
  }
};

template <class T>
struct RefineBackward {
  TreeDims s;
  const T* grad_tokens;
  const int64_t* blocks;
  T* grad_offsets;
  T* grad_means;
  int32_t* bad;
  __device__ void operator()(int64_t i) const {
    const int64_t t = i / s.d, e = i % s.d, batch = t / s.k, j = blocks[t];
    if (j < 0 || j >= s.N) {
      *bad = 1;
      return;
    }
    // Block indices are unique per example, so no other thread touches these elements.
    T* mu = grad_means + (batch * s.N + j) * s.d + e;
    T* G = grad_offsets + (batch * s.N + j) * s.b * s.d + e;
    const T* g = grad_tokens + t * s.b * s.d + e;
    for (int64_t r = 0; r < s.b; ++r) {
      *mu += g[r * s.d];
      G[r * s.d] -= g[r * s.d];
    }
  }
};

// Rows are copied as raw words of the element size: any dtype.
template <class W>
struct GatherRows {
  int64_t N, m, d;
  const W* x;
  const int64_t* index;
  W* out;
  int32_t* bad;
  __device__ void operator()(int64_t i) const {
    const int64_t t = i / d, e = i % d, batch = t / m, r = index[t];
    if (r < 0 || r >= N) {
      *bad = 1;
      return;
    }
    out[i] = x[(batch * N + r) * d + e];
  }
};

// One thread per (example, column): duplicates accumulate in index order, as on the CPU.
template <class T>
struct ScatterAddRows {
  int64_t N, m, d;
  const T* src;
  const int64_t* index;
  T* out;
  int32_t* bad;
  __device__ void operator()(int64_t i) const {
    const int64_t batch = i / d, e = i % d;
    for (int64_t q = 0; q < m; ++q) {
      const int64_t r = index[batch * m + q];
      if (r < 0 || r >= N) {
        *bad = 1;
        continue;
      }
      T* o = out + (batch * N + r) * d + e;
      *o = OpMath<T>::store(OpMath<T>::load(*o) + OpMath<T>::load(src[(batch * m + q) * d + e]));
    }
  }
};

// The tree itself is float32/float64: block means stay in full precision (spec §6).
template <class Fn>
void dispatch_tree(DType dt, const char* op, Fn&& fn) {
  switch (dt) {
    case DType::F32: fn(TypeTag<float>{}); return;
    case DType::F64: fn(TypeTag<double>{}); return;
    default: VCC_FAIL(op, ": the VCC block tree is float32 or float64 (block means stay in full precision), got ",
                      dtype_name(dt));
  }
}

}  // namespace

void vcc_coarsen(const Tensor& tokens, const Tensor& blocks, const Tensor& token_mask, const Tensor& counts,
                 double eps, const Tensor& offsets, const Tensor& means) {
  const int device = device_of(offsets, "vcc_coarsen");
  const TreeDims s = dims_of(offsets, blocks);
  BadIndexFlag bad(offsets.device());
  dispatch_tree(offsets.dtype(), "vcc_coarsen", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_for_each(s.B * s.k * s.d, device,
                    Coarsen<T>{s, tokens.data<T>(), blocks.data<int64_t>(), token_mask.data<T>(), counts.data<T>(),
                               static_cast<T>(eps), offsets.data<T>(), means.data<T>(), bad.device_ptr()});
  });
  bad.check_after_launch([blocks, limit = s.N] { fail_index("vcc_coarsen", blocks, limit); });
}

void vcc_coarsen_backward(const Tensor& grad_means, const Tensor& blocks, const Tensor& token_mask,
                          const Tensor& counts, double eps, const Tensor& grad_offsets, const Tensor& grad_tokens) {
  const int device = device_of(grad_offsets, "vcc_coarsen_backward");
  const TreeDims s = dims_of(grad_offsets, blocks);
  BadIndexFlag bad(grad_offsets.device());
  dispatch_tree(grad_offsets.dtype(), "vcc_coarsen_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_for_each(s.B * s.k * s.d, device,
                    CoarsenBackward<T>{s, grad_means.data<T>(), blocks.data<int64_t>(), token_mask.data<T>(),
                                       counts.data<T>(), static_cast<T>(eps), grad_offsets.data<T>(),
                                       grad_tokens.data<T>(), bad.device_ptr()});
  });
  bad.check_after_launch([blocks, limit = s.N] { fail_index("vcc_coarsen_backward", blocks, limit); });
}

void vcc_refine(const Tensor& means, const Tensor& offsets, const Tensor& blocks, const Tensor& tokens) {
  const int device = device_of(offsets, "vcc_refine");
  const TreeDims s = dims_of(offsets, blocks);
  BadIndexFlag bad(offsets.device());
  dispatch_tree(offsets.dtype(), "vcc_refine", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_for_each(tokens.numel(), device,
                    Refine<T>{s, means.data<T>(), offsets.data<T>(), blocks.data<int64_t>(), tokens.data<T>(),
                              bad.device_ptr()});
  });
  bad.check_after_launch([blocks, limit = s.N] { fail_index("vcc_refine", blocks, limit); });
}

void vcc_refine_backward(const Tensor& grad_tokens, const Tensor& blocks, const Tensor& grad_offsets,
                         const Tensor& grad_means) {
  const int device = device_of(grad_offsets, "vcc_refine_backward");
  const TreeDims s = dims_of(grad_offsets, blocks);
  BadIndexFlag bad(grad_offsets.device());
  dispatch_tree(grad_offsets.dtype(), "vcc_refine_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_for_each(s.B * s.k * s.d, device,
                    RefineBackward<T>{s, grad_tokens.data<T>(), blocks.data<int64_t>(), grad_offsets.data<T>(),
                                      grad_means.data<T>(), bad.device_ptr()});
  });
  bad.check_after_launch([blocks, limit = s.N] { fail_index("vcc_refine_backward", blocks, limit); });
}

void gather_rows(const Tensor& x, const Tensor& index, const Tensor& out) {
  const int device = device_of(out, "gather_rows");
  const int64_t N = x.size(1), m = index.size(1), d = x.size(2);
  BadIndexFlag bad(out.device());
  const int64_t* idx = index.data<int64_t>();
  const int64_t n = out.numel();
  switch (x.element_size()) {
    case 1: launch_for_each(n, device, GatherRows<uint8_t>{N, m, d, static_cast<const uint8_t*>(x.raw_data()), idx,
                                                            static_cast<uint8_t*>(out.raw_data()), bad.device_ptr()}); break;
    case 2: launch_for_each(n, device, GatherRows<uint16_t>{N, m, d, static_cast<const uint16_t*>(x.raw_data()), idx,
                                                             static_cast<uint16_t*>(out.raw_data()), bad.device_ptr()}); break;
    case 4: launch_for_each(n, device, GatherRows<uint32_t>{N, m, d, static_cast<const uint32_t*>(x.raw_data()), idx,
                                                             static_cast<uint32_t*>(out.raw_data()), bad.device_ptr()}); break;
    case 8: launch_for_each(n, device, GatherRows<uint64_t>{N, m, d, static_cast<const uint64_t*>(x.raw_data()), idx,
                                                             static_cast<uint64_t*>(out.raw_data()), bad.device_ptr()}); break;
    default: VCC_FAIL("gather_rows: unsupported element size ", x.element_size());
  }
  bad.check_after_launch([index, limit = N] { fail_index("gather_rows", index, limit); });
}

void scatter_add_rows(const Tensor& src, const Tensor& index, const Tensor& out) {
  const int device = device_of(out, "scatter_add_rows");
  const int64_t m = src.size(1), d = src.size(2), N = out.size(1);
  BadIndexFlag bad(out.device());
  vcc::cuda::dispatch_float_bf16(src.dtype(), "scatter_add_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_for_each(src.size(0) * d, device,
                    ScatterAddRows<T>{N, m, d, static_cast<const T*>(src.raw_data()), index.data<int64_t>(),
                                      static_cast<T*>(out.raw_data()), bad.device_ptr()});
  });
  bad.check_after_launch([index, limit = N] { fail_index("scatter_add_rows", index, limit); });
}

}  // namespace vcc::kernels::cuda
