#include "kernels/norm.h"

#include "kernels/dispatch.h"

namespace vcc::kernels {
namespace {

// A [D] parameter, contiguous, or `fill` everywhere when the caller passed none.
Tensor param_or(const Tensor& p, const Tensor& x, double fill, const char* name) {
  const int64_t d = x.size(-1);
  if (!p.defined()) return Tensor::full({d}, fill, x.dtype(), x.device());
  VCC_CHECK(p.dim() == 1 && p.size(0) == d && p.dtype() == x.dtype(), "norm: ", name, " ", p.describe(),
            " for input ", x.describe());
  check_same_device("norm", x, p);
  return p.contiguous();
}

NormOutput forward(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, bool centred) {
  VCC_CHECK(x.dim() >= 1 && is_floating(x.dtype()), (centred ? "layer_norm" : "rms_norm"), " of ", x.describe());
  VCC_CHECK(eps >= 0, "norm: eps ", eps);
  const int64_t d = x.size(-1), rows = d ? x.numel() / d : 0;
  NormOutput r;
  r.y = Tensor::empty(x.shape(), x.dtype(), x.device());
  r.rstd = Tensor::empty({rows}, x.dtype(), x.device());
  if (centred) r.mean = Tensor::empty({rows}, x.dtype(), x.device());
  VCC_DISPATCH_DEVICE(x.device(), norm, x.contiguous(), param_or(weight, x, 1.0, "weight"),
                      param_or(bias, x, 0.0, "bias"), eps, r.y, r.mean, r.rstd);
  return r;
}

}  // namespace

NormOutput layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  return forward(x, weight, bias, eps, true);
}

NormOutput rms_norm(const Tensor& x, const Tensor& weight, double eps) { return forward(x, weight, Tensor(), eps, false); }

NormGrads norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                        const Tensor& weight, bool need_dx, bool need_dweight, bool need_dbias) {
  VCC_CHECK(g.shape() == x.shape() && g.dtype() == x.dtype(), "norm_backward: gradient ", g.describe(),
            " for input ", x.describe());
  check_same_device("norm_backward", g, x, mean, rstd, weight);
  const int64_t d = x.size(-1);
  NormGrads r;
  if (need_dx) r.dx = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (need_dweight) r.dweight = Tensor::empty({d}, x.dtype(), x.device());
  if (need_dbias) r.dbias = Tensor::empty({d}, x.dtype(), x.device());
  if (!need_dx && !need_dweight && !need_dbias) return r;
  VCC_DISPATCH_DEVICE(x.device(), norm_backward, g.contiguous(), x.contiguous(), mean, rstd,
                      param_or(weight, x, 1.0, "weight"), r.dx, r.dweight, r.dbias);
  return r;
}

}  // namespace vcc::kernels
