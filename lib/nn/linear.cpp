#include "nn/linear.h"

#include "autograd/ops_elementwise.h"
#include "autograd/ops_matmul.h"
#include "autograd/ops_shape.h"

namespace vcc::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, DType dtype)
    : in_(in_features), out_(out_features), compute_dtype_(dtype) {
  weight_ = register_parameter("weight", Tensor::zeros({out_features, in_features}, dtype));
  if (bias) bias_ = register_parameter("bias", Tensor::zeros({out_features}, dtype));
}

Var Linear::forward(const Var& x) const {
  VCC_CHECK(x.size(-1) == in_, "Linear: input ", x.value().describe(), " has last dim ", x.size(-1), ", expected ", in_);
  const DType master = weight_.dtype();
  if (compute_dtype_ == master) return linear(x, weight_, bias_);
  // bfloat16 compute for float32 weights (set_compute_dtype allows nothing else).
  return linear_bf16(x, weight_, bias_);
}

void Linear::set_compute_dtype(DType dtype) {
  VCC_USER_CHECK(dtype == weight_.dtype() || dtype == DType::BF16, "Linear: compute dtype ", dtype_name(dtype),
                 " for ", dtype_name(weight_.dtype()), " weights (expected the weights' dtype or bfloat16)");
  compute_dtype_ = dtype;
}

int set_linear_compute_dtype(Module& root, DType dtype) {
  int count = 0;
  root.apply([&](Module& m) {
    if (auto* linear = dynamic_cast<Linear*>(&m)) {
      linear->set_compute_dtype(dtype == DType::F32 ? linear->weight().dtype() : dtype);
      ++count;
    }
  });
  return count;
}

}  // namespace vcc::nn
