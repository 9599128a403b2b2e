#pragma once
// LayerNorm over the last dimension with a learned scale and shift (BERT family).
#include "nn/module.h"

namespace vcc::nn {

class LayerNorm : public Module {
 public:
  LayerNorm(int64_t dim, double eps, DType dtype = DType::F32);

  Var forward(const Var& x) const;
  const Var& weight() const { return weight_; }
  const Var& bias() const { return bias_; }
  double eps() const { return eps_; }

 private:
  double eps_;
  Var weight_, bias_;
};

}  // namespace vcc::nn
