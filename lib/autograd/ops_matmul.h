#pragma once
// Differentiable matrix products.
#include "autograd/variable.h"

namespace vcc {

// alpha * op(a) @ op(b), batched over broadcast leading dims.
Var matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false, double alpha = 1.0);
// x @ w^T + bias (w: [out, in]; bias optional).
Var linear(const Var& x, const Var& w, const Var& bias = Var());

}  // namespace vcc
