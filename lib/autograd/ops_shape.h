#pragma once
// Differentiable views and layout changes (no copies in forward where a view exists).
#include <vector>

#include "autograd/variable.h"

namespace vcc {

Var reshape(const Var& x, const Shape& shape);
Var transpose(const Var& x, int a, int b);
Var permute(const Var& x, const std::vector<int>& order);
Var narrow(const Var& x, int dim, int64_t start, int64_t length);
Var select(const Var& x, int dim, int64_t index);
Var expand(const Var& x, const Shape& shape);
Var unsqueeze(const Var& x, int dim);
Var squeeze(const Var& x, int dim);
Var contiguous(const Var& x);
// Converts to another floating dtype (gradient converted back).
Var cast(const Var& x, DType dtype);

}  // namespace vcc
