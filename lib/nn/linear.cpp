#include "nn/linear.h"

#include "autograd/ops_matmul.h"

namespace vcc::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, DType dtype)
    : in_(in_features), out_(out_features) {
  weight_ = register_parameter("weight", Tensor::zeros({out_features, in_features}, dtype));
  if (bias) bias_ = register_parameter("bias", Tensor::zeros({out_features}, dtype));
}

Var Linear::forward(const Var& x) const {
  VCC_CHECK(x.size(-1) == in_, "Linear: input ", x.value().describe(), " has last dim ", x.size(-1), ", expected ", in_);
  return linear(x, weight_, bias_);
}

}  // namespace vcc::nn
