#include "kernels/dropout.h"

#include "kernels/dispatch.h"

namespace vcc::kernels {

Tensor dropout(const Tensor& x, double p, uint64_t seed, uint64_t offset) {
  VCC_CHECK(p >= 0.0 && p <= 1.0, "dropout probability ", p, " is outside [0, 1]");
  VCC_CHECK(is_floating(x.dtype()), "dropout of ", x.describe());
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (p == 1.0) {
    out.zero_();
    return out;
  }
  VCC_DISPATCH_DEVICE(x.device(), dropout, x.contiguous(), p, seed, offset, out);
  return out;
}

}  // namespace vcc::kernels
