#pragma once
// LayerNorm and RMSNorm (T5) over the last dim, forward and backward, on any device.
// Row statistics accumulate in double; weight/bias gradients sum rows in a fixed order.
#include "core/tensor.h"

namespace vcc::kernels {

struct NormOutput {
  Tensor y;
  Tensor mean;  // [rows] (x's dtype), undefined for RMSNorm
  Tensor rstd;  // [rows], 1 / sqrt(variance + eps)
};
struct NormGrads {
  Tensor dx, dweight, dbias;
};

// (x - mean) / sqrt(var + eps) * weight + bias (biased variance); weight/bias [D] may be
// undefined (1 and 0).
NormOutput layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps);
// x / sqrt(mean(x^2) + eps) * weight.
NormOutput rms_norm(const Tensor& x, const Tensor& weight, double eps);
// Gradients of either norm from its saved statistics (mean undefined: RMSNorm). Only the
// gradients asked for are computed.
NormGrads norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                        const Tensor& weight, bool need_dx, bool need_dweight, bool need_dbias);

// Backend launchers (called by the front end only). x and g are contiguous [rows, D];
// weight and bias are contiguous [D]; mean undefined means RMSNorm. Undefined outputs
// are not computed.
namespace cpu {
void norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, const Tensor& y, const Tensor& mean,
          const Tensor& rstd);
void norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& rstd, const Tensor& weight,
                   const Tensor& dx, const Tensor& dweight, const Tensor& dbias);
}  // namespace cpu
namespace cuda {
void norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, const Tensor& y, const Tensor& mean,
          const Tensor& rstd);
void norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& rstd, const Tensor& weight,
                   const Tensor& dx, const Tensor& dweight, const Tensor& dbias);
}  // namespace cuda

}  // namespace vcc::kernels
