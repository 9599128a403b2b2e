// CUDA launchers for argsort and top-k by rank counting: the rank of element j of a slice
// is the number of elements that KeyOrder (kernels/index_ops.h) puts before it. KeyOrder
// is a strict total order, so the ranks are a permutation and the result is exactly the
// stable order of the CPU launchers, with no sorting network to get wrong. Work is
// O(n^2) per slice of n keys, split over a grid with the keys staged in shared memory;
// that is quick for VCC's block counts and selections (n up to a few thousand).
#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "core/cuda/strided_offsets.cuh"
#include "kernels/index.h"
#include "kernels/index_ops.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::kBlockThreads;
using vcc::cuda::OpMath;
using vcc::cuda::opmath_t;
using vcc::cuda::StridedOffsets;

// Block (s, c) ranks keys [c * kBlockThreads, (c + 1) * kBlockThreads) of slice s against the whole slice. Writes, for a
// key of rank r < limit: values[r] (if given) = the key and indices[r] = its position.
template <class T>
__global__ void rank_kernel(const T* x, StridedOffsets<3> slices, int64_t n, int64_t x_stride, KeyOrder<opmath_t<T>> order,
                            int64_t limit, T* values, int64_t values_stride, int64_t* indices, int64_t indices_stride) {
  using M = opmath_t<T>;
  __shared__ M keys[kBlockThreads];
  int64_t off[3];  // slice start in x, values, indices
  slices.get(blockIdx.x, off);
  const int64_t j = static_cast<int64_t>(blockIdx.y) * kBlockThreads + threadIdx.x;
  const M key = j < n ? OpMath<T>::load(x[off[0] + j * x_stride]) : M(0);
  int64_t rank = 0;
  for (int64_t t0 = 0; t0 < n; t0 += kBlockThreads) {
    __syncthreads();
    if (t0 + threadIdx.x < n) keys[threadIdx.x] = OpMath<T>::load(x[off[0] + (t0 + threadIdx.x) * x_stride]);
    __syncthreads();
    const int64_t count = n - t0 < kBlockThreads ? n - t0 : kBlockThreads;
    if (j < n)
      for (int64_t t = 0; t < count; ++t) rank += order.before(keys[t], t0 + t, key, j) ? 1 : 0;
  }
  if (j >= n || rank >= limit) return;
  if (values) values[off[1] + rank * values_stride] = x[off[0] + j * x_stride];
  indices[off[2] + rank * indices_stride] = j;
}

template <class T>
void launch_rank(const Tensor& x, int dim, bool descending, int64_t limit, const Tensor& values, const Tensor& indices) {
  vcc::cuda::require_current(indices.device(), "argsort/topk");
  const int device = indices.device().index;
  const int64_t n = x.size(dim);
  Shape slice_shape = x.shape();
  slice_shape[dim] = 1;
  // Per-slice start offsets in x and the outputs (outputs have k or n entries along dim,
  // but their other dims match x's, so one walk over the slice positions serves all).
  const Strides& vs = values.defined() ? values.strides() : indices.strides();
  const Strides* st[3] = {&x.strides(), &vs, &indices.strides()};
  const StridedOffsets<3> slices(slice_shape, st);
  const int64_t count = slice_shape.numel();
  const int64_t chunks = (n + kBlockThreads - 1) / kBlockThreads;
  VCC_CHECK(count <= 0x7fffffff && chunks <= 65535, "argsort/topk on CUDA: ", count, " slices of ", n,
            " keys exceed the launch grid");
  const dim3 grid(static_cast<unsigned>(count), static_cast<unsigned>(chunks));
  rank_kernel<T><<<grid, kBlockThreads, 0, vcc::cuda::stream(device)>>>(
      static_cast<const T*>(x.raw_data()), slices, n, x.stride(dim), KeyOrder<opmath_t<T>>{descending}, limit,
      values.defined() ? static_cast<T*>(values.raw_data()) : nullptr, values.defined() ? values.stride(dim) : 0,
      indices.data<int64_t>(), indices.stride(dim));
  VCC_CUDA_CHECK_LAUNCH();
}

}  // namespace

void argsort(const Tensor& x, int dim, bool descending, const Tensor& out) {
  vcc::cuda::dispatch_all_bf16(x.dtype(), "argsort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_rank<T>(x, dim, descending, x.size(dim), Tensor(), out);
  });
}

void topk(const Tensor& x, int64_t k, int dim, bool largest, const Tensor& values, const Tensor& indices) {
  vcc::cuda::dispatch_all_bf16(x.dtype(), "topk", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_rank<T>(x, dim, largest, k, values, indices);
  });
}

}  // namespace vcc::kernels::cuda
