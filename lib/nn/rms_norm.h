#pragma once
// RMSNorm (T5's "T5LayerNorm"): x / sqrt(mean(x^2) + eps) * weight, no mean, no bias.
#include "nn/module.h"

namespace vcc::nn {

class RMSNorm : public Module {
 public:
  RMSNorm(int64_t dim, double eps, DType dtype = DType::F32);

  Var forward(const Var& x) const;
  const Var& weight() const { return weight_; }
  double eps() const { return eps_; }

 private:
  double eps_;
  Var weight_;
};

}  // namespace vcc::nn
