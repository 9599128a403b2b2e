#pragma once
// Linear: y = x W^T + b with W [out, in] (the PyTorch / Hugging Face layout), one fused GEMM.
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

 private:
  int64_t in_, out_;
  Var weight_, bias_;
};

}  // namespace vcc::nn
