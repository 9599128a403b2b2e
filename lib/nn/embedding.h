#pragma once
// Embedding: a [num, dim] table looked up by integer ids.
#include "nn/module.h"

namespace vcc::nn {

class Embedding : public Module {
 public:
  Embedding(int64_t num, int64_t dim, DType dtype = DType::F32);

  // ids of any shape (int32/int64) -> [..., dim].
  Var forward(const Tensor& ids) const;
  const Var& weight() const { return weight_; }
  int64_t num() const { return weight_.size(0); }
  int64_t dim() const { return weight_.size(1); }

 private:
  Var weight_;
};

}  // namespace vcc::nn
