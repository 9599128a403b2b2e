#pragma once
// Differentiable matrix products.
#include "autograd/variable.h"

namespace vcc {

// alpha * op(a) @ op(b), batched over broadcast leading dims.
Var matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false, double alpha = 1.0);
// x @ w^T + bias (w: [out, in]; bias optional).
Var linear(const Var& x, const Var& w, const Var& bias = Var());
// The same with bfloat16 operands (train.precision: bf16): x and w (float32) are rounded to
// bfloat16 for the products, which accumulate in float32 and write float32 (the output, dX
// and dW are never rounded); the bias is added in float32. Saves the bfloat16 copies of x
// and w for backward, which rounds the incoming gradient to bfloat16 once for both products.
Var linear_bf16(const Var& x, const Var& w, const Var& bias = Var());

}  // namespace vcc
