// CUDA launchers for softmax and log-softmax with the functors of kernels/softmax_ops.h.
// A contiguous axis is handled by a warp (or, for few long rows, a block) per row; a
// strided axis by one thread per column. Row sums accumulate in acc_t (double).
#include <type_traits>

#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/reduce_ops.h"
#include "kernels/softmax.h"
#include "kernels/softmax_ops.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::kBlockThreads;
using vcc::cuda::OpMath;
using vcc::cuda::opmath_t;

template <class M>
__device__ __forceinline__ M negative_infinity() {
  return -static_cast<M>(__builtin_huge_val());
}

template <class T, bool Log, int ThreadsPerRow>
__global__ void softmax_rows_kernel(const T* x, T* y, int64_t rows, int64_t n) {
  using M = opmath_t<T>;
  using Acc = acc_t<M>;
  using F = Softmax<Log>;
  __shared__ Acc sum_scratch[kBlockThreads / 32];
  __shared__ M max_scratch[kBlockThreads / 32];
  constexpr int kRowsPerBlock = kBlockThreads / ThreadsPerRow;
  const int lane = threadIdx.x % ThreadsPerRow;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / ThreadsPerRow; row < rows;
       row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const T* xr = x + row * n;
    T* yr = y + row * n;
    M m = negative_infinity<M>();
    for (int64_t i = lane; i < n; i += ThreadsPerRow) {
      const M v = OpMath<T>::load(xr[i]);
      m = v > m ? v : m;
    }
    m = block_max<ThreadsPerRow>(m, max_scratch);
    Acc s = Acc(0);
    for (int64_t i = lane; i < n; i += ThreadsPerRow) s += static_cast<Acc>(shifted_exp(OpMath<T>::load(xr[i]), m));
    s = block_sum<ThreadsPerRow>(s, sum_scratch);
    const M norm = static_cast<M>(F::normaliser(s));
    for (int64_t i = lane; i < n; i += ThreadsPerRow) {
      const M v = OpMath<T>::load(xr[i]);
      yr[i] = OpMath<T>::store(F::forward(Log ? M(0) : shifted_exp(v, m), v, m, norm));
    }
  }
}

template <class T, bool Log, int ThreadsPerRow>
__global__ void softmax_backward_rows_kernel(const T* y, const T* g, T* dx, int64_t rows, int64_t n) {
  using M = opmath_t<T>;
  using Acc = acc_t<M>;
  using F = Softmax<Log>;
  __shared__ Acc scratch[kBlockThreads / 32];
  constexpr int kRowsPerBlock = kBlockThreads / ThreadsPerRow;
  const int lane = threadIdx.x % ThreadsPerRow;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / ThreadsPerRow; row < rows;
       row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t base = row * n;
    Acc acc = Acc(0);
    for (int64_t i = lane; i < n; i += ThreadsPerRow)
      acc += static_cast<Acc>(F::backward_term(OpMath<T>::load(y[base + i]), OpMath<T>::load(g[base + i])));
    const M dot = static_cast<M>(block_sum<ThreadsPerRow>(acc, scratch));
    for (int64_t i = lane; i < n; i += ThreadsPerRow)
      dx[base + i] = OpMath<T>::store(F::backward(OpMath<T>::load(y[base + i]), OpMath<T>::load(g[base + i]), dot));
  }
}

template <class T, bool Log>
struct SoftmaxColumn {
  using M = opmath_t<T>;
  using Acc = acc_t<M>;
  const T* x;
  T* y;
  int64_t n, inner;
  __device__ void operator()(int64_t col) const {
    using F = Softmax<Log>;
    const int64_t base = (col / inner) * n * inner + col % inner;
    M m = OpMath<T>::load(x[base]);
    for (int64_t r = 1; r < n; ++r) {
      const M v = OpMath<T>::load(x[base + r * inner]);
      m = v > m ? v : m;
    }
    Acc s = Acc(0);
    for (int64_t r = 0; r < n; ++r) s += static_cast<Acc>(shifted_exp(OpMath<T>::load(x[base + r * inner]), m));
    const M norm = static_cast<M>(F::normaliser(s));
    for (int64_t r = 0; r < n; ++r) {
      const M v = OpMath<T>::load(x[base + r * inner]);
      y[base + r * inner] = OpMath<T>::store(F::forward(Log ? M(0) : shifted_exp(v, m), v, m, norm));
    }
  }
};

template <class T, bool Log>
struct SoftmaxBackwardColumn {
  using M = opmath_t<T>;
  using Acc = acc_t<M>;
  const T* y;
  const T* g;
  T* dx;
  int64_t n, inner;
  __device__ void operator()(int64_t col) const {
    using F = Softmax<Log>;
    const int64_t base = (col / inner) * n * inner + col % inner;
    Acc acc = Acc(0);
    for (int64_t r = 0; r < n; ++r)
      acc += static_cast<Acc>(F::backward_term(OpMath<T>::load(y[base + r * inner]), OpMath<T>::load(g[base + r * inner])));
    const M dot = static_cast<M>(acc);
    for (int64_t r = 0; r < n; ++r) {
      const int64_t k = base + r * inner;
      dx[k] = OpMath<T>::store(F::backward(OpMath<T>::load(y[k]), OpMath<T>::load(g[k]), dot));
    }
  }
};

unsigned row_blocks(int64_t rows, int rows_per_block, int device) {
  const int64_t needed = (rows + rows_per_block - 1) / rows_per_block;
  const int64_t cap = int64_t{vcc::cuda::multiprocessor_count(device)} * 16;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(needed, cap)));
}

// Few long rows get a block each; otherwise a warp per row keeps the device busy.
bool block_per_row(int64_t rows, int64_t n, int device) {
  return n >= 2048 && rows < int64_t{vcc::cuda::multiprocessor_count(device)} * 16;
}

template <class Fn>
void with_log(bool log, Fn&& fn) {
  if (log)
    fn(std::true_type{});
  else
    fn(std::false_type{});
}

}  // namespace

void softmax(const Tensor& x, int64_t outer, int64_t n, int64_t inner, bool log, const Tensor& out) {
  if (x.numel() == 0) return;
  vcc::cuda::require_current(out.device(), "softmax");
  const int device = out.device().index;
  cudaStream_t st = vcc::cuda::stream(device);
  vcc::cuda::dispatch_float_bf16(x.dtype(), "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = static_cast<const T*>(x.raw_data());
    T* yp = static_cast<T*>(out.raw_data());
    with_log(log, [&](auto is_log) {
      constexpr bool L = decltype(is_log)::value;
      if (inner != 1) {
        vcc::cuda::launch_for_each(outer * inner, device, SoftmaxColumn<T, L>{xp, yp, n, inner});
        return;
      }
      if (block_per_row(outer, n, device))
        softmax_rows_kernel<T, L, kBlockThreads><<<row_blocks(outer, 1, device), kBlockThreads, 0, st>>>(xp, yp, outer, n);
      else
        softmax_rows_kernel<T, L, 32><<<row_blocks(outer, kBlockThreads / 32, device), kBlockThreads, 0, st>>>(xp, yp, outer,
                                                                                                               n);
      VCC_CUDA_CHECK_LAUNCH();
    });
  });
}

void softmax_backward(const Tensor& y, const Tensor& g, int64_t outer, int64_t n, int64_t inner, bool log,
                      const Tensor& out) {
  if (y.numel() == 0) return;
  vcc::cuda::require_current(out.device(), "softmax_backward");
  const int device = out.device().index;
  cudaStream_t st = vcc::cuda::stream(device);
  vcc::cuda::dispatch_float_bf16(y.dtype(), "softmax_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* yp = static_cast<const T*>(y.raw_data());
    const T* gp = static_cast<const T*>(g.raw_data());
    T* dp = static_cast<T*>(out.raw_data());
    with_log(log, [&](auto is_log) {
      constexpr bool L = decltype(is_log)::value;
      if (inner != 1) {
        vcc::cuda::launch_for_each(outer * inner, device, SoftmaxBackwardColumn<T, L>{yp, gp, dp, n, inner});
        return;
      }
      if (block_per_row(outer, n, device))
        softmax_backward_rows_kernel<T, L, kBlockThreads>
            <<<row_blocks(outer, 1, device), kBlockThreads, 0, st>>>(yp, gp, dp, outer, n);
      else
        softmax_backward_rows_kernel<T, L, 32>
            <<<row_blocks(outer, kBlockThreads / 32, device), kBlockThreads, 0, st>>>(yp, gp, dp, outer, n);
      VCC_CUDA_CHECK_LAUNCH();
    });
  });
}

}  // namespace vcc::kernels::cuda
