// CUDA launchers for cross-entropy with the functors of kernels/cross_entropy_ops.h: a
// warp per row for the forward's log-sum-exp (sums in acc_t, a fixed shuffle tree), one
// thread per element for the fused backward. Targets are checked on the host first, with
// the CPU launcher's message.
#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "kernels/cross_entropy.h"
#include "kernels/cross_entropy_ops.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/reduce_ops.h"
#include "kernels/softmax_ops.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::kBlockThreads;
using vcc::cuda::OpMath;
using vcc::cuda::opmath_t;

constexpr int kRowsPerBlock = kBlockThreads / 32;

template <class T, class I>
__global__ void cross_entropy_kernel(const T* logits, int64_t ld, const I* targets, int64_t rows, int64_t classes,
                                     int64_t ignore_index, double smoothing, T* loss, T* lse) {
  using M = opmath_t<T>;
  using Acc = acc_t<M>;
  const int lane = threadIdx.x % 32;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t t = targets[r];
    if (t == ignore_index) {
      if (lane == 0) loss[r] = lse[r] = OpMath<T>::store(M(0));
      continue;
    }
    const T* x = logits + r * ld;
    M m = OpMath<T>::load(x[0]);
    for (int64_t i = lane; i < classes; i += 32) {
      const M v = OpMath<T>::load(x[i]);
      m = v > m ? v : m;
    }
    for (int o = 16; o > 0; o /= 2) {
      const M other = __shfl_down_sync(kFullMask, m, o);
      m = other > m ? other : m;
    }
    m = __shfl_sync(kFullMask, m, 0);
    Acc s = Acc(0), sx = Acc(0);
    for (int64_t i = lane; i < classes; i += 32) {
      const M v = OpMath<T>::load(x[i]);
      s += static_cast<Acc>(shifted_exp(v, m));
      sx += static_cast<Acc>(v);
    }
    s = warp_sum(s);
    sx = warp_sum(sx);
    if (lane == 0) {
      const Acc row_lse = static_cast<Acc>(m) + math::log(s);
      const Acc mean_x = smoothing > 0 ? sx / classes : Acc(0);
      loss[r] = OpMath<T>::store(static_cast<M>(
          CrossEntropy::loss<Acc>(row_lse, static_cast<Acc>(OpMath<T>::load(x[t])), mean_x, static_cast<Acc>(smoothing))));
      lse[r] = OpMath<T>::store(static_cast<M>(row_lse));
    }
  }
}

template <class T, class I>
struct CrossEntropyGrad {
  using M = opmath_t<T>;
  const T* logits;
  int64_t ld;
  const I* targets;
  const T* lse;
  const T* grad_rows;
  int64_t grad_stride, classes, ignore_index;
  double scale;
  M smoothing, uniform_mass;
  T* out;
  __device__ void operator()(int64_t e) const {
    const int64_t r = e / classes, c = e % classes, t = targets[r];
    if (t == ignore_index) {
      out[e] = OpMath<T>::store(M(0));
      return;
    }
    const M s = static_cast<M>(static_cast<double>(OpMath<T>::load(grad_rows[r * grad_stride])) * scale);
    M v = CrossEntropy::grad(OpMath<T>::load(logits[r * ld + c]), OpMath<T>::load(lse[r]), uniform_mass, s);
    if (c == t) v += CrossEntropy::target_correction(smoothing, s);
    out[e] = OpMath<T>::store(v);
  }
};

}  // namespace

void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index, double smoothing,
                   const Tensor& loss, const Tensor& lse, int64_t* count) {
  vcc::cuda::require_current(loss.device(), "cross_entropy");
  const int device = loss.device().index;
  const int64_t n = logits.size(0), c = logits.size(1), ld = logits.stride(0);
  // Every target is checked (and the non-ignored ones counted) before any kernel runs.
  const std::vector<int64_t> host_targets = targets.to_vector<int64_t>();
  int64_t valid = 0;
  for (int64_t r = 0; r < n; ++r) {
    const int64_t v = host_targets[r];
    if (v == ignore_index) continue;
    VCC_USER_CHECK(v >= 0 && v < c, "cross_entropy: target ", v, " in row ", r, " is out of range for ", c,
                   " classes (ignore_index ", ignore_index, ")");
    ++valid;
  }
  *count = valid;
  if (n == 0) return;
  const int64_t blocks =
      std::min<int64_t>((n + kRowsPerBlock - 1) / kRowsPerBlock, int64_t{vcc::cuda::multiprocessor_count(device)} * 16);
  dispatch_index(targets.dtype(), "cross_entropy", [&](auto itag) {
    using I = typename decltype(itag)::type;
    vcc::cuda::dispatch_float_bf16(logits.dtype(), "cross_entropy", [&](auto tag) {
      using T = typename decltype(tag)::type;
      cross_entropy_kernel<T, I><<<static_cast<unsigned>(blocks), kBlockThreads, 0, vcc::cuda::stream(device)>>>(
          static_cast<const T*>(logits.raw_data()), ld, targets.data<I>(), n, c, ignore_index, smoothing,
          static_cast<T*>(loss.raw_data()), static_cast<T*>(lse.raw_data()));
      VCC_CUDA_CHECK_LAUNCH();
    });
  });
}

void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& grad_rows,
                            double scale, int64_t ignore_index, double smoothing, const Tensor& out) {
  vcc::cuda::require_current(out.device(), "cross_entropy_backward");
  const int device = out.device().index;
  const int64_t c = logits.size(1), ld = logits.stride(0);
  dispatch_index(targets.dtype(), "cross_entropy_backward", [&](auto itag) {
    using I = typename decltype(itag)::type;
    vcc::cuda::dispatch_float_bf16(logits.dtype(), "cross_entropy_backward", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using M = opmath_t<T>;
      vcc::cuda::launch_for_each(
          out.numel(), device,
          CrossEntropyGrad<T, I>{static_cast<const T*>(logits.raw_data()), ld, targets.data<I>(),
                                 static_cast<const T*>(lse.raw_data()), static_cast<const T*>(grad_rows.raw_data()),
                                 grad_rows.stride(0), c, ignore_index, scale, static_cast<M>(smoothing),
                                 static_cast<M>(smoothing / static_cast<double>(c)), static_cast<T*>(out.raw_data())});
    });
  });
}

}  // namespace vcc::kernels::cuda
