#include "nn/layer_norm.h"

#include "autograd/ops_nn.h"

namespace vcc::nn {

LayerNorm::LayerNorm(int64_t dim, double eps, DType dtype) : eps_(eps) {
  weight_ = register_parameter("weight", Tensor::ones({dim}, dtype));
  bias_ = register_parameter("bias", Tensor::zeros({dim}, dtype));
}

Var LayerNorm::forward(const Var& x) const { return layer_norm(x, weight_, bias_, eps_); }

}  // namespace vcc::nn
