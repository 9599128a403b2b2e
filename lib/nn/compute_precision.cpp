#include "nn/compute_precision.h"

#include "nn/linear.h"
#include "nn/multi_head_attention.h"

namespace vcc::nn {

PrecisionChanges set_compute_precision(Module& root, Precision precision) {
  PrecisionChanges changes;
  changes.linears = set_linear_compute_dtype(root, compute_dtype(precision));
  root.apply([&](Module& m) {
    if (auto* attention = dynamic_cast<MultiHeadAttention*>(&m)) {
      attention->set_bf16_products(precision == Precision::BF16);
      ++changes.attentions;
    }
  });
  return changes;
}

}  // namespace vcc::nn
