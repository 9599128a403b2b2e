// CUDA launchers for reductions over the [outer, n, inner] view, with the functors of
// kernels/reduce_ops.h. Sums accumulate in acc_t (double), in a fixed tree or a fixed
// chunking that depends only on the shape, so results are deterministic.
#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/reduce.h"
#include "kernels/reduce_ops.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::kBlockThreads;
using vcc::cuda::OpMath;
using vcc::cuda::opmath_t;

constexpr int64_t kSumAllChunk = 1 << 16;  // elements per block of sum_all: part of its definition

int device_of(const Tensor& t, const char* op) {
  vcc::cuda::require_current(t.device(), op);
  return t.device().index;
}

unsigned blocks_for(int64_t units, int64_t units_per_block, int device) {
  const int64_t needed = (units + units_per_block - 1) / units_per_block;
  const int64_t cap = int64_t{vcc::cuda::multiprocessor_count(device)} * 16;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(needed, cap)));
}

// ---- sum along a contiguous axis (inner == 1): ThreadsPerRow threads per row ----
template <class T, int ThreadsPerRow>
__global__ void row_sum_kernel(const T* x, T* out, int64_t rows, int64_t n, double divisor) {
  using Acc = acc_t<opmath_t<T>>;
  __shared__ Acc scratch[kBlockThreads / 32];
  constexpr int kRowsPerBlock = kBlockThreads / ThreadsPerRow;
  const int lane = threadIdx.x % ThreadsPerRow;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / ThreadsPerRow; row < rows;
       row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const T* p = x + row * n;
    Acc acc = Acc(0);
    for (int64_t i = lane; i < n; i += ThreadsPerRow) acc += static_cast<Acc>(OpMath<T>::load(p[i]));
    acc = block_sum<ThreadsPerRow>(acc, scratch);
    if (lane == 0) out[row] = OpMath<T>::store(static_cast<opmath_t<T>>(acc / divisor));
  }
}

// ---- sum along a strided axis: chunk partials per column, then an ordered combine ----
template <class T>
struct ColumnSumChunk {
  using Acc = acc_t<opmath_t<T>>;
  const T* x;
  Acc* partial;
  int64_t outer, n, inner, chunk;
  __device__ void operator()(int64_t t) const {
    const int64_t columns = outer * inner, c = t / columns, col = t % columns;
    const int64_t o = col / inner, i = col % inner;
    const int64_t r1 = n < (c + 1) * chunk ? n : (c + 1) * chunk;
    Acc acc = Acc(0);
    for (int64_t r = c * chunk; r < r1; ++r) acc += static_cast<Acc>(OpMath<T>::load(x[(o * n + r) * inner + i]));
    partial[t] = acc;
  }
};

template <class T>
struct ColumnSumCombine {
  using Acc = acc_t<opmath_t<T>>;
  const Acc* partial;
  T* out;
  int64_t columns, chunks;
  double divisor;
  __device__ void operator()(int64_t col) const {
    Acc acc = Acc(0);
    for (int64_t c = 0; c < chunks; ++c) acc += partial[c * columns + col];
    out[col] = OpMath<T>::store(static_cast<opmath_t<T>>(acc / divisor));
  }
};

// ---- max with its first index ----
// Merges the running maxima of two disjoint index sets (either may hold the lower indices).
template <class M>
__device__ __forceinline__ MaxIndex<M> merge_max(MaxIndex<M> a, MaxIndex<M> b) {
  if (MaxIndex<M>::greater(b.value, a.value)) return b;
  if (MaxIndex<M>::greater(a.value, b.value)) return a;
  return b.index < a.index ? b : a;  // equal, or both NaN: the first position wins
}

template <class T>
__global__ void row_max_kernel(const T* x, T* values, int64_t* index, int64_t rows, int64_t n) {
  using M = opmath_t<T>;
  constexpr int kRowsPerBlock = kBlockThreads / 32;
  const int lane = threadIdx.x % 32;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32; row < rows;
       row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const T* p = x + row * n;
    // Lanes start at their first element (n >= 1, but a lane may have none: index n marks
    // "empty" and loses every merge against a real element).
    MaxIndex<M> m{lane < n ? OpMath<T>::load(p[lane]) : M(0), lane < n ? lane : n};
    for (int64_t i = lane + 32; i < n; i += 32) m.update(OpMath<T>::load(p[i]), i);
    for (int offset = 16; offset > 0; offset /= 2) {
      // Sub-int types travel through the shuffle as int.
      MaxIndex<M> other{static_cast<M>(__shfl_down_sync(kFullMask, m.value, offset)),
                        __shfl_down_sync(kFullMask, m.index, offset)};
      if (other.index < n) m = m.index < n ? merge_max(m, other) : other;
    }
    if (lane == 0) {
      if (values) values[row] = OpMath<T>::store(m.value);
      index[row] = m.index;
    }
  }
}

template <class T>
struct ColumnMax {
  using M = opmath_t<T>;
  const T* x;
  T* values;
  int64_t* index;
  int64_t n, inner;
  __device__ void operator()(int64_t col) const {
    const int64_t o = col / inner, i = col % inner;
    const T* p = x + o * n * inner + i;
    MaxIndex<M> m{OpMath<T>::load(p[0]), 0};
    for (int64_t r = 1; r < n; ++r) m.update(OpMath<T>::load(p[r * inner]), r);
    if (values) values[col] = OpMath<T>::store(m.value);
    index[col] = m.index;
  }
};

// ---- sum of all elements: fixed chunks, then the chunk sums in one block ----
template <class T>
__global__ void chunk_sum_kernel(const T* x, int64_t n, acc_t<opmath_t<T>>* partial) {
  using Acc = acc_t<opmath_t<T>>;
  __shared__ Acc scratch[kBlockThreads / 32];
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * kSumAllChunk;
  const int64_t end = n < begin + kSumAllChunk ? n : begin + kSumAllChunk;
  Acc acc = Acc(0);
  for (int64_t i = begin + threadIdx.x; i < end; i += kBlockThreads) acc += static_cast<Acc>(OpMath<T>::load(x[i]));
  acc = block_sum<kBlockThreads>(acc, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

template <class T>
__global__ void combine_chunks_kernel(const acc_t<opmath_t<T>>* partial, int64_t chunks, T* out) {
  using Acc = acc_t<opmath_t<T>>;
  __shared__ Acc scratch[kBlockThreads / 32];
  Acc acc = Acc(0);
  for (int64_t c = threadIdx.x; c < chunks; c += kBlockThreads) acc += partial[c];
  acc = block_sum<kBlockThreads>(acc, scratch);
  if (threadIdx.x == 0) *out = OpMath<T>::store(static_cast<opmath_t<T>>(acc));
}

template <class T>
struct MaxBackward {
  const T* g;
  const int64_t* index;
  T* out;
  int64_t n, inner;
  __device__ void operator()(int64_t e) const {
    const int64_t i = e % inner, r = (e / inner) % n, o = e / (inner * n);
    const int64_t at = o * inner + i;
    out[e] = index[at] == r ? g[at] : OpMath<T>::store(opmath_t<T>(0));
  }
};

}  // namespace

void sum(const Tensor& x, int64_t outer, int64_t n, int64_t inner, double divisor, const Tensor& out) {
  const int device = device_of(out, "sum");
  if (out.numel() == 0) return;
  vcc::cuda::dispatch_float_bf16(x.dtype(), "sum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<opmath_t<T>>;
    const T* xp = static_cast<const T*>(x.raw_data());
    T* op = static_cast<T*>(out.raw_data());
    cudaStream_t st = vcc::cuda::stream(device);
    if (inner == 1) {
      // A block per row when rows are few and long; a warp per row otherwise.
      if (outer < int64_t{vcc::cuda::multiprocessor_count(device)} * 8 && n >= 4096) {
        row_sum_kernel<T, kBlockThreads><<<blocks_for(outer, 1, device), kBlockThreads, 0, st>>>(xp, op, outer, n, divisor);
      } else {
        row_sum_kernel<T, 32><<<blocks_for(outer, kBlockThreads / 32, device), kBlockThreads, 0, st>>>(xp, op, outer, n,
                                                                                                     divisor);
      }
      VCC_CUDA_CHECK_LAUNCH();
      return;
    }
    const int64_t columns = outer * inner;
    const int64_t want = int64_t{vcc::cuda::multiprocessor_count(device)} * 2048;
    int64_t chunks = std::min<int64_t>(std::max<int64_t>(1, want / columns), std::max<int64_t>(1, n / 256));
    const int64_t chunk = std::max<int64_t>(1, (n + chunks - 1) / chunks);
    chunks = std::max<int64_t>(1, (n + chunk - 1) / chunk);
    Tensor partial = Tensor::empty({chunks, columns}, DType::F64, out.device());
    Acc* pp = static_cast<Acc*>(partial.raw_data());
    vcc::cuda::launch_for_each(chunks * columns, device, ColumnSumChunk<T>{xp, pp, outer, n, inner, chunk});
    vcc::cuda::launch_for_each(columns, device, ColumnSumCombine<T>{pp, op, columns, chunks, divisor});
  });
}

void max(const Tensor& x, int64_t outer, int64_t n, int64_t inner, const Tensor& values, const Tensor& index) {
  const int device = device_of(index, "max");
  if (index.numel() == 0) return;
  vcc::cuda::dispatch_all_bf16(x.dtype(), "max", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = static_cast<const T*>(x.raw_data());
    T* vp = values.defined() ? static_cast<T*>(values.raw_data()) : nullptr;
    int64_t* ip = index.data<int64_t>();
    if (inner == 1) {
      row_max_kernel<T><<<blocks_for(outer, kBlockThreads / 32, device), kBlockThreads, 0, vcc::cuda::stream(device)>>>(
          xp, vp, ip, outer, n);
      VCC_CUDA_CHECK_LAUNCH();
    } else {
      vcc::cuda::launch_for_each(outer * inner, device, ColumnMax<T>{xp, vp, ip, n, inner});
    }
  });
}

void sum_all(const Tensor& x, const Tensor& out) {
  const int device = device_of(out, "sum_all");
  vcc::cuda::dispatch_float_bf16(x.dtype(), "sum_all", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<opmath_t<T>>;
    const int64_t n = x.numel(), chunks = std::max<int64_t>(1, (n + kSumAllChunk - 1) / kSumAllChunk);
    Tensor partial = Tensor::empty({chunks}, DType::F64, out.device());
    Acc* pp = static_cast<Acc*>(partial.raw_data());
    cudaStream_t st = vcc::cuda::stream(device);
    VCC_CHECK(chunks <= int64_t{0x7fffffff}, "sum_all: ", n, " elements is too many for one grid");
    chunk_sum_kernel<T><<<static_cast<unsigned>(chunks), kBlockThreads, 0, st>>>(static_cast<const T*>(x.raw_data()), n,
                                                                                 pp);
    VCC_CUDA_CHECK_LAUNCH();
    combine_chunks_kernel<T><<<1, kBlockThreads, 0, st>>>(pp, chunks, static_cast<T*>(out.raw_data()));
    VCC_CUDA_CHECK_LAUNCH();
  });
}

void max_backward(const Tensor& g, const Tensor& index, int64_t outer, int64_t n, int64_t inner, const Tensor& out) {
  const int device = device_of(out, "max_backward");
  vcc::cuda::dispatch_float_bf16(g.dtype(), "max_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    vcc::cuda::launch_for_each(out.numel(), device,
                               MaxBackward<T>{static_cast<const T*>(g.raw_data()), index.data<int64_t>(),
                                              static_cast<T*>(out.raw_data()), n, inner});
  });
}

}  // namespace vcc::kernels::cuda
