// CUDA launchers for LayerNorm / RMSNorm with the functors of kernels/norm_ops.h: a warp
// per row for the statistics, the output and the input gradient (row sums in acc_t, a
// fixed shuffle tree); weight and bias gradients summed per fixed chunk of rows (the CPU
// launcher's chunking) and then over chunks in order, so results are deterministic.
#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/norm.h"
#include "kernels/norm_ops.h"
#include "kernels/reduce_ops.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::kBlockThreads;
using vcc::cuda::OpMath;
using vcc::cuda::opmath_t;

constexpr int64_t kMaxChunks = 64;     // as the CPU launcher: bounds the [chunks, D] partial sums
constexpr int64_t kMinChunkRows = 16;
constexpr int kRowsPerBlock = kBlockThreads / 32;

unsigned row_blocks(int64_t rows, int device) {
  const int64_t needed = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  return static_cast<unsigned>(
      std::max<int64_t>(1, std::min(needed, int64_t{vcc::cuda::multiprocessor_count(device)} * 16)));
}

// Sum over the warp of per-lane partials, the same value in every lane.
template <class Acc>
__device__ __forceinline__ Acc row_total(Acc v) {
  return __shfl_sync(kFullMask, warp_sum(v), 0);
}

template <class T>
__global__ void norm_forward_kernel(const T* x, const T* weight, const T* bias, double eps, T* y, T* mean, T* rstd,
                                    int64_t rows, int64_t d) {
  using M = opmath_t<T>;
  using Acc = acc_t<M>;
  const int lane = threadIdx.x % 32;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const T* xr = x + r * d;
    Acc mu = Acc(0);
    if (mean) {
      for (int64_t i = lane; i < d; i += 32) mu += static_cast<Acc>(OpMath<T>::load(xr[i]));
      mu = row_total(mu) / d;
    }
    Acc var = Acc(0);
    for (int64_t i = lane; i < d; i += 32) {
      const Acc c = static_cast<Acc>(OpMath<T>::load(xr[i])) - mu;
      var += c * c;
    }
    var = row_total(var) / d;
    const M m = static_cast<M>(mu), s = static_cast<M>(Norm::rstd(var, eps));
    if (lane == 0) {
      if (mean) mean[r] = OpMath<T>::store(m);
      rstd[r] = OpMath<T>::store(s);
    }
    T* yr = y + r * d;
    for (int64_t i = lane; i < d; i += 32)
      yr[i] = OpMath<T>::store(
          Norm::forward(OpMath<T>::load(xr[i]), m, s, OpMath<T>::load(weight[i]), OpMath<T>::load(bias[i])));
  }
}

template <class T>
__global__ void norm_input_grad_kernel(const T* g, const T* x, const T* mean, const T* rstd, const T* weight, T* dx,
                                       int64_t rows, int64_t d) {
  using M = opmath_t<T>;
  using Acc = acc_t<M>;
  const int lane = threadIdx.x % 32;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const T* gr = g + r * d;
    const T* xr = x + r * d;
    const M m = mean ? OpMath<T>::load(mean[r]) : M(0), s = OpMath<T>::load(rstd[r]);
    Acc sum_gw = Acc(0), sum_gwx = Acc(0);
    for (int64_t i = lane; i < d; i += 32) {
      const M gw = OpMath<T>::load(gr[i]) * OpMath<T>::load(weight[i]);
      sum_gw += static_cast<Acc>(gw);
      sum_gwx += static_cast<Acc>(gw * Norm::normalised(OpMath<T>::load(xr[i]), m, s));
    }
    const M c1 = mean ? static_cast<M>(row_total(sum_gw) / d) : M(0);
    const M c2 = static_cast<M>(row_total(sum_gwx) / d);
    T* dr = dx + r * d;
    for (int64_t i = lane; i < d; i += 32) {
      const M gw = OpMath<T>::load(gr[i]) * OpMath<T>::load(weight[i]);
      dr[i] = OpMath<T>::store(Norm::backward(gw, Norm::normalised(OpMath<T>::load(xr[i]), m, s), s, c1, c2));
    }
  }
}

// partial[c * d + j]: column j's sum over the rows of chunk c, of g * xh (weight) or g (bias).
template <class T>
struct ParamGradChunk {
  using M = opmath_t<T>;
  using Acc = acc_t<M>;
  const T* g;
  const T* x;
  const T* mean;
  const T* rstd;
  Acc* part_w;
  Acc* part_b;
  int64_t rows, d, chunk_rows;
  __device__ void operator()(int64_t t) const {
    const int64_t c = t / d, j = t % d;
    const int64_t r1 = rows < (c + 1) * chunk_rows ? rows : (c + 1) * chunk_rows;
    Acc sw = Acc(0), sb = Acc(0);
    for (int64_t r = c * chunk_rows; r < r1; ++r) {
      const M gv = OpMath<T>::load(g[r * d + j]);
      if (part_w) {
        const M m = mean ? OpMath<T>::load(mean[r]) : M(0);
        sw += static_cast<Acc>(gv * Norm::normalised(OpMath<T>::load(x[r * d + j]), m, OpMath<T>::load(rstd[r])));
      }
      sb += static_cast<Acc>(gv);
    }
    if (part_w) part_w[t] = sw;
    if (part_b) part_b[t] = sb;
  }
};

template <class T>
struct FoldChunks {
  const acc_t<opmath_t<T>>* part;
  T* out;
  int64_t d, chunks;
  __device__ void operator()(int64_t j) const {
    acc_t<opmath_t<T>> s = 0;
    for (int64_t c = 0; c < chunks; ++c) s += part[c * d + j];
    out[j] = OpMath<T>::store(static_cast<opmath_t<T>>(s));
  }
};

template <class T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.raw_data()) : nullptr;
}

}  // namespace

void norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, const Tensor& y, const Tensor& mean,
          const Tensor& rstd) {
  vcc::cuda::require_current(y.device(), "norm");
  const int device = y.device().index;
  const int64_t d = x.size(-1), rows = rstd.numel();
  if (rows == 0) return;
  vcc::cuda::dispatch_float_bf16(x.dtype(), "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    norm_forward_kernel<T><<<row_blocks(rows, device), kBlockThreads, 0, vcc::cuda::stream(device)>>>(
        static_cast<const T*>(x.raw_data()), static_cast<const T*>(weight.raw_data()),
        static_cast<const T*>(bias.raw_data()), eps, static_cast<T*>(y.raw_data()), data_or_null<T>(mean),
        static_cast<T*>(rstd.raw_data()), rows, d);
    VCC_CUDA_CHECK_LAUNCH();
  });
}

void norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& rstd, const Tensor& weight,
                   const Tensor& dx, const Tensor& dweight, const Tensor& dbias) {
  vcc::cuda::require_current(x.device(), "norm_backward");
  const int device = x.device().index;
  const int64_t d = x.size(-1), rows = rstd.numel();
  vcc::cuda::dispatch_float_bf16(x.dtype(), "norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<opmath_t<T>>;
    const T* gp = static_cast<const T*>(g.raw_data());
    const T* xp = static_cast<const T*>(x.raw_data());
    const T* mp = data_or_null<const T>(mean);
    const T* rp = static_cast<const T*>(rstd.raw_data());
    if (dx.defined() && rows > 0) {
      norm_input_grad_kernel<T><<<row_blocks(rows, device), kBlockThreads, 0, vcc::cuda::stream(device)>>>(
          gp, xp, mp, rp, static_cast<const T*>(weight.raw_data()), static_cast<T*>(dx.raw_data()), rows, d);
      VCC_CUDA_CHECK_LAUNCH();
    }
    if (!dweight.defined() && !dbias.defined()) return;
    const int64_t chunks = std::max<int64_t>(1, std::min(kMaxChunks, rows / kMinChunkRows));
    const int64_t chunk_rows = std::max<int64_t>(1, (rows + chunks - 1) / chunks);
    Tensor part_w = dweight.defined() ? Tensor::empty(Shape{chunks, d}, DType::F64, x.device()) : Tensor();
    Tensor part_b = dbias.defined() ? Tensor::empty(Shape{chunks, d}, DType::F64, x.device()) : Tensor();
    vcc::cuda::launch_for_each(chunks * d, device,
                               ParamGradChunk<T>{gp, xp, mp, rp, data_or_null<Acc>(part_w), data_or_null<Acc>(part_b),
                                                 rows, d, chunk_rows});
    if (dweight.defined())
      vcc::cuda::launch_for_each(d, device, FoldChunks<T>{part_w.data<Acc>(), static_cast<T*>(dweight.raw_data()), d, chunks});
    if (dbias.defined())
      vcc::cuda::launch_for_each(d, device, FoldChunks<T>{part_b.data<Acc>(), static_cast<T*>(dbias.raw_data()), d, chunks});
  });
}

}  // namespace vcc::kernels::cuda
