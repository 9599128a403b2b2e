#include "nn/rms_norm.h"

#include "autograd/ops_nn.h"

namespace vcc::nn {

RMSNorm::RMSNorm(int64_t dim, double eps, DType dtype) : eps_(eps) {
  weight_ = register_parameter("weight", Tensor::ones({dim}, dtype));
}

Var RMSNorm::forward(const Var& x) const { return rms_norm(x, weight_, eps_); }

}  // namespace vcc::nn
