#include "nn/embedding.h"

#include "autograd/ops_nn.h"

namespace vcc::nn {

Embedding::Embedding(int64_t num, int64_t dim, DType dtype) {
  weight_ = register_parameter("weight", Tensor::zeros({num, dim}, dtype));
}

Var Embedding::forward(const Tensor& ids) const { return embedding(weight_, ids); }

}  // namespace vcc::nn
