#include "kernels/cross_entropy.h"

#include "kernels/dispatch.h"

namespace vcc::kernels {
namespace {

// logits as the launchers take them: [N, C] with unit column stride, copied only if needed.
Tensor row_major(const Tensor& logits) {
  VCC_CHECK(logits.dim() == 2 && is_floating(logits.dtype()), "cross_entropy: logits ", logits.describe(),
            " (floating [N, C] expected)");
  if (logits.stride(1) == 1 || logits.size(1) <= 1) return logits;
  return logits.contiguous();
}

void check_targets(const Tensor& logits, const Tensor& targets) {
  VCC_CHECK(targets.dim() == 1 && targets.size(0) == logits.size(0) &&
                (targets.dtype() == DType::I64 || targets.dtype() == DType::I32),
            "cross_entropy: targets ", targets.describe(), " for logits ", logits.describe(),
            " (int32/int64 [N] expected)");
  check_same_device("cross_entropy", logits, targets);
}

}  // namespace

CrossEntropyRows cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index, double smoothing) {
  Tensor x = row_major(logits);
  check_targets(x, targets);
  VCC_CHECK(smoothing >= 0.0 && smoothing <= 1.0, "cross_entropy: label smoothing ", smoothing, " is outside [0, 1]");
  CrossEntropyRows r;
  r.loss = Tensor::empty({x.size(0)}, x.dtype(), x.device());
  r.lse = Tensor::empty({x.size(0)}, x.dtype(), x.device());
  VCC_DISPATCH_DEVICE(x.device(), cross_entropy, x, targets.contiguous(), ignore_index, smoothing, r.loss, r.lse,
                      &r.count);
  return r;
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& grad_rows,
                              double scale, int64_t ignore_index, double smoothing) {
  Tensor x = row_major(logits);
  check_targets(x, targets);
  const int64_t n = x.size(0);
  VCC_CHECK(lse.shape() == Shape{n} && grad_rows.dtype() == x.dtype(), "cross_entropy_backward: lse ",
            lse.describe(), " and gradient ", grad_rows.describe(), " for logits ", x.describe());
  check_same_device("cross_entropy_backward", x, lse, grad_rows);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  VCC_DISPATCH_DEVICE(x.device(), cross_entropy_backward, x, targets.contiguous(), lse.contiguous(),
                      grad_rows.expand({n}), scale, ignore_index, smoothing, out);
  return out;
}

}  // namespace vcc::kernels
