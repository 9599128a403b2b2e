#pragma once
// Cross-entropy of logits [N, C] against integer targets [N], with ignore_index and label
// smoothing (PyTorch's rule), on any device. The forward keeps one log-sum-exp per row;
// the fused backward recomputes softmax from it, so the only [N, C] buffer either pass
// allocates is the logits' gradient.
#include <cstdint>

#include "core/tensor.h"

namespace vcc::kernels {

struct CrossEntropyRows {
  Tensor loss;        // [N], 0 for ignored rows
  Tensor lse;         // [N] log-sum-exp of each row's logits, for the backward
  int64_t count = 0;  // rows whose target is not ignore_index
};

// Per-row losses. Targets must be in [0, C) or equal ignore_index (else an error naming
// the target, its row and C). logits may be any [N, C] view with unit column stride.
CrossEntropyRows cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index, double smoothing);
// dlogits [N, C] = grad_rows[i] * scale * (softmax(x_i) - q_i), zero rows where ignored;
// grad_rows is [N] or broadcasts to it (a [] gradient of a Sum/Mean loss).
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& grad_rows,
                              double scale, int64_t ignore_index, double smoothing);

// Backend launchers (called by the front end only). logits [N, C] with unit column
// stride; targets contiguous; grad_rows [N] with any stride; outputs allocated, contiguous.
namespace cpu {
void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index, double smoothing,
                   const Tensor& loss, const Tensor& lse, int64_t* count);
void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& grad_rows,
                            double scale, int64_t ignore_index, double smoothing, const Tensor& out);
}  // namespace cpu
namespace cuda {
void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index, double smoothing,
                   const Tensor& loss, const Tensor& lse, int64_t* count);
void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& grad_rows,
                            double scale, int64_t ignore_index, double smoothing, const Tensor& out);
}  // namespace cuda

}  // namespace vcc::kernels
