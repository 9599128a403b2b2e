// CUDA launchers for optimizer updates: grid-stride kernels over the functors of
// optim/adamw_ops.h and optim/sgd_ops.h (the CPU loops use the same ones), and a
// deterministic float64 sum of squares for gradient clipping.
#include "core/cuda/launch.cuh"
#include "kernels/cuda/block_reduce.cuh"
#include "optim/update_kernels.h"

namespace vcc::optim::cuda {
namespace {

using vcc::cuda::kBlockThreads;

constexpr int64_t kSquaresChunk = 1 << 16;  // elements per block: fixed, so the result depends only on the data

int device_of(const Tensor& t, const char* op) {
  vcc::cuda::require_current(t.device(), op);
  return t.device().index;
}

template <class T>
struct AdamWStep {
  AdamWUpdate<T> update;
  T* p;
  const T* g;
  T* m;
  T* v;
  __device__ void operator()(int64_t i) const { update(p[i], g[i], m[i], v[i]); }
};

template <class T>
struct SgdStep {
  SgdUpdate<T> update;
  T* p;
  const T* g;
  T* buf;  // null without momentum
  __device__ void operator()(int64_t i) const {
    if (buf)
      update(p[i], g[i], buf[i]);
    else
      update(p[i], g[i]);
  }
};

template <class T>
__global__ void squares_chunk_kernel(const T* x, int64_t n, double* partial) {
  __shared__ double scratch[kBlockThreads / 32];
  const int64_t begin = static_cast<int64_t>(blockIdx.x) * kSquaresChunk;
  const int64_t end = n < begin + kSquaresChunk ? n : begin + kSquaresChunk;
  double acc = 0.0;
  for (int64_t i = begin + threadIdx.x; i < end; i += kBlockThreads) {
    const double v = static_cast<double>(x[i]);
    acc += v * v;
  }
  acc = kernels::cuda::block_sum<kBlockThreads>(acc, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void sum_partials_kernel(const double* partial, int64_t count, double* out) {
  __shared__ double scratch[kBlockThreads / 32];
  double acc = 0.0;
  for (int64_t c = threadIdx.x; c < count; c += kBlockThreads) acc += partial[c];
  acc = kernels::cuda::block_sum<kBlockThreads>(acc, scratch);
  if (threadIdx.x == 0) *out = acc;
}

}  // namespace

void adamw_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                  const AdamWCoefficients& c) {
  const int device = device_of(param, "adamw_update");
  dispatch_float(param.dtype(), "adamw_update", [&](auto tag) {
    using T = typename decltype(tag)::type;
    vcc::cuda::launch_for_each(param.numel(), device,
                               AdamWStep<T>{AdamWUpdate<T>(c), param.data<T>(), grad.data<T>(), exp_avg.data<T>(),
                                            exp_avg_sq.data<T>()});
  });
}

void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdCoefficients& c) {
  const int device = device_of(param, "sgd_update");
  dispatch_float(param.dtype(), "sgd_update", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* buf = c.momentum != 0.0 ? momentum_buffer.data<T>() : nullptr;
    vcc::cuda::launch_for_each(param.numel(), device, SgdStep<T>{SgdUpdate<T>(c), param.data<T>(), grad.data<T>(), buf});
  });
}

void sum_of_squares_into(const Tensor& x, const Tensor& total) {
  const int device = device_of(x, "sum_of_squares");
  const int64_t n = x.numel(), chunks = std::max<int64_t>(1, (n + kSquaresChunk - 1) / kSquaresChunk);
  VCC_CHECK(chunks <= int64_t{0x7fffffff}, "sum_of_squares: ", n, " elements is too many for one grid");
  Tensor partial = Tensor::empty({chunks}, DType::F64, x.device());
  cudaStream_t st = vcc::cuda::stream(device);
  dispatch_float(x.dtype(), "sum_of_squares", [&](auto tag) {
    using T = typename decltype(tag)::type;
    squares_chunk_kernel<T><<<static_cast<unsigned>(chunks), kBlockThreads, 0, st>>>(x.data<T>(), n,
                                                                                     partial.data<double>());
    VCC_CUDA_CHECK_LAUNCH();
  });
  sum_partials_kernel<<<1, kBlockThreads, 0, st>>>(partial.data<double>(), chunks, total.data<double>());
  VCC_CUDA_CHECK_LAUNCH();
}

double sum_of_squares(const Tensor& x) {
  Tensor total = Tensor::empty({}, DType::F64, x.device());
  sum_of_squares_into(x, total);
  return total.item<double>();
}

}  // namespace vcc::optim::cuda
