// CUDA launcher for dropout with the functor of kernels/dropout_ops.h: a thread per group
// of four elements, which share one Philox block, exactly as the CPU loop draws them.
#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "kernels/dropout.h"
#include "kernels/dropout_ops.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::OpMath;
using vcc::cuda::opmath_t;

template <class T>
struct DropoutQuads {
  const T* x;
  T* out;
  int64_t n;
  double p;
  opmath_t<T> scale;
  uint64_t seed, offset;
  __device__ void operator()(int64_t q) const {
    bool kept[4];
    Dropout::keep4(seed, offset, static_cast<uint64_t>(q), p, kept);
    const int64_t i0 = 4 * q;
    for (int j = 0; j < 4 && i0 + j < n; ++j)
      out[i0 + j] = OpMath<T>::store(Dropout::apply(OpMath<T>::load(x[i0 + j]), kept[j], scale));
  }
};

}  // namespace

void dropout(const Tensor& x, double p, uint64_t seed, uint64_t offset, const Tensor& out) {
  vcc::cuda::require_current(out.device(), "dropout");
  const int device = out.device().index;
  const int64_t n = x.numel();
  vcc::cuda::dispatch_float_bf16(x.dtype(), "dropout", [&](auto tag) {
    using T = typename decltype(tag)::type;
    vcc::cuda::launch_for_each((n + 3) / 4, device,
                               DropoutQuads<T>{static_cast<const T*>(x.raw_data()), static_cast<T*>(out.raw_data()), n,
                                               p, static_cast<opmath_t<T>>(1.0 / (1.0 - p)), seed, offset});
  });
}

}  // namespace vcc::kernels::cuda
