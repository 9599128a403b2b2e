#include "kernels/reduce.h"

#include "kernels/axis.h"
#include "kernels/dispatch.h"

namespace vcc::kernels {
namespace {

Tensor sum_scaled(const Tensor& x, int dim, bool keepdim, bool mean) {
  AxisSplit s = split_at(x.shape(), dim);
  Tensor out = Tensor::empty(reduced_shape(x.shape(), s.dim, keepdim), x.dtype(), x.device());
  // Mean divides the accumulated sum before rounding to the output type.
  const double divisor = mean ? static_cast<double>(s.n) : 1.0;
  VCC_DISPATCH_DEVICE(x.device(), sum, x.contiguous(), s.outer, s.n, s.inner, divisor, out);
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, int dim, bool keepdim) { return sum_scaled(x, dim, keepdim, false); }

Tensor mean(const Tensor& x, int dim, bool keepdim) { return sum_scaled(x, dim, keepdim, true); }

std::pair<Tensor, Tensor> max(const Tensor& x, int dim, bool keepdim) {
  AxisSplit s = split_at(x.shape(), dim);
  VCC_CHECK(s.n > 0, "max along dimension ", dim, " of size 0 (", x.describe(), ")");
  Shape shape = reduced_shape(x.shape(), s.dim, keepdim);
  Tensor values = Tensor::empty(shape, x.dtype(), x.device());
  Tensor index = Tensor::empty(shape, DType::I64, x.device());
  VCC_DISPATCH_DEVICE(x.device(), max, x.contiguous(), s.outer, s.n, s.inner, values, index);
  return {values, index};
}

Tensor argmax(const Tensor& x, int dim, bool keepdim) {
  AxisSplit s = split_at(x.shape(), dim);
  VCC_CHECK(s.n > 0, "argmax along dimension ", dim, " of size 0 (", x.describe(), ")");
  Tensor index = Tensor::empty(reduced_shape(x.shape(), s.dim, keepdim), DType::I64, x.device());
  VCC_DISPATCH_DEVICE(x.device(), max, x.contiguous(), s.outer, s.n, s.inner, Tensor(), index);
  return index;
}

Tensor sum_all(const Tensor& x) {
  Tensor out = Tensor::empty({}, x.dtype(), x.device());
  VCC_DISPATCH_DEVICE(x.device(), sum_all, x.contiguous(), out);
  return out;
}

Tensor max_backward(const Tensor& g, const Tensor& index, const Shape& input_shape, int dim) {
  AxisSplit s = split_at(input_shape, dim);
  VCC_CHECK(g.numel() == s.outer * s.inner && index.numel() == g.numel() && index.dtype() == DType::I64,
            "max_backward: gradient ", g.describe(), " and index ", index.describe(), " for input ",
            input_shape.str(), " along ", dim);
  check_same_device("max_backward", g, index);
  Tensor out = Tensor::empty(input_shape, g.dtype(), g.device());
  VCC_DISPATCH_DEVICE(g.device(), max_backward, g.contiguous(), index.contiguous(), s.outer, s.n, s.inner, out);
  return out;
}

}  // namespace vcc::kernels
