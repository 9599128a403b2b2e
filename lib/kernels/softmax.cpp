#include "kernels/softmax.h"

#include "kernels/axis.h"
#include "kernels/dispatch.h"

namespace vcc::kernels {
namespace {

Tensor forward(const Tensor& x, int dim, bool log) {
  VCC_CHECK(is_floating(x.dtype()), (log ? "log_softmax" : "softmax"), " of ", x.describe());
  AxisSplit s = split_at(x.shape(), dim);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  VCC_DISPATCH_DEVICE(x.device(), softmax, x.contiguous(), s.outer, s.n, s.inner, log, out);
  return out;
}

Tensor backward(const Tensor& y, const Tensor& g, int dim, bool log) {
  VCC_CHECK(y.shape() == g.shape() && y.dtype() == g.dtype(), (log ? "log_softmax" : "softmax"),
            "_backward: output ", y.describe(), " vs gradient ", g.describe());
  check_same_device("softmax_backward", y, g);
  AxisSplit s = split_at(y.shape(), dim);
  Tensor out = Tensor::empty(y.shape(), y.dtype(), y.device());
  VCC_DISPATCH_DEVICE(y.device(), softmax_backward, y.contiguous(), g.contiguous(), s.outer, s.n, s.inner, log, out);
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, int dim) { return forward(x, dim, false); }
Tensor log_softmax(const Tensor& x, int dim) { return forward(x, dim, true); }
Tensor softmax_backward(const Tensor& y, const Tensor& g, int dim) { return backward(y, g, dim, false); }
Tensor log_softmax_backward(const Tensor& y, const Tensor& g, int dim) { return backward(y, g, dim, true); }

}  // namespace vcc::kernels
