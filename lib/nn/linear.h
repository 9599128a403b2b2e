#pragma once
// Linear: y = x W^T + b with W [out, in] (the PyTorch / Hugging Face layout), one fused GEMM.
// With a lower compute dtype (train.precision: bf16) the product runs in it: x and W are
// rounded to bfloat16, multiplied with float32 accumulation, and the result comes back to
// the weight's dtype before the bias is added, so everything around the GEMMs (norms,
// softmax, attention logits, VCC block means, the loss) stays float32 (spec section 6)
// and the optimizer updates float32 master weights.
#include "nn/module.h"

namespace vcc::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias, DType dtype = DType::F32);

  Var forward(const Var& x) const;
  const Var& weight() const { return weight_; }
  const Var& bias() const { return bias_; }  // undefined without bias
  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  DType compute_dtype() const { return compute_dtype_; }
  void set_compute_dtype(DType dtype);

 private:
  int64_t in_, out_;
  Var weight_, bias_;
  DType compute_dtype_;
};

// Sets the compute dtype of every Linear below `root` (float32 = the weights' own dtype,
// or bfloat16); returns how many were set.
int set_linear_compute_dtype(Module& root, DType dtype);

}  // namespace vcc::nn
