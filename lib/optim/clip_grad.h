#pragma once
// Global gradient-norm clipping (torch.nn.utils.clip_grad_norm_ with the L2 norm).
#include <vector>

#include "autograd/variable.h"

namespace vcc::optim {

// L2 norm of all defined gradients together, accumulated in float64: per tensor in fixed
// chunks, then over tensors in the given order. Deterministic for any thread count.
double global_grad_norm(const std::vector<Var>& params);

// Returns the norm before clipping. When max_norm > 0 and the norm exceeds it, every
// gradient is scaled in place by max_norm / (norm + 1e-6) (PyTorch's coefficient).
// A non-finite norm leaves the gradients untouched: the caller sees it and can skip the
// step (scaling by NaN would destroy the gradients of every parameter).
double clip_grad_norm(const std::vector<Var>& params, double max_norm);

}  // namespace vcc::optim
