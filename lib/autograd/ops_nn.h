#pragma once
// Differentiable neural-network ops: softmax, norms, embedding, dropout, cross-entropy.
#include <cstdint>

#include "autograd/variable.h"
#include "core/rng.h"

namespace vcc {

Var softmax(const Var& x, int dim = -1);
Var log_softmax(const Var& x, int dim = -1);

// LayerNorm over the last dim: (x - mean) / sqrt(var + eps) * weight + bias (biased variance).
Var layer_norm(const Var& x, const Var& weight, const Var& bias, double eps);
// T5 RMS norm over the last dim: x / sqrt(mean(x^2) + eps) * weight; statistics in at
// least float32 (as Hugging Face's T5LayerNorm computes them).
Var rms_norm(const Var& x, const Var& weight, double eps);

// Rows of table [V, D] for integer ids of any shape -> [..., D]. Backward scatter-adds
// into the table rows in a fixed order (deterministic). Ids out of range are an error
// naming the id and V.
Var embedding(const Var& table, const Tensor& ids);

// Inverted dropout: zeroes each element with probability p and scales the rest by
// 1/(1-p). Identity when !training or p == 0. The mask is a pure function of
// (generator seed, offset taken from the generator, element index).
Var dropout(const Var& x, double p, bool training, Generator& generator = default_generator());

enum class Reduction { Mean, Sum, None };
// Cross-entropy of logits [N, C] against integer targets [N]; targets equal to
// ignore_index contribute nothing. Mean = average over non-ignored targets (0 if none).
// label_smoothing e mixes the one-hot target with the uniform distribution (PyTorch rule).
// None returns per-row losses [N] (0 for ignored rows).
Var cross_entropy(const Var& logits, const Tensor& targets, int64_t ignore_index = -100, double label_smoothing = 0.0,
                  Reduction reduction = Reduction::Mean);

}  // namespace vcc
