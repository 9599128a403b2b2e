#pragma once
// Differentiable reductions along one axis (and over all elements).
#include "autograd/variable.h"

namespace vcc {

Var sum(const Var& x, int dim, bool keepdim = false);
Var sum_all(const Var& x);  // one-element result of shape []
Var mean(const Var& x, int dim, bool keepdim = false);
Var mean_all(const Var& x);
// Maximum along dim; the gradient goes to the first maximal element.
Var max(const Var& x, int dim, bool keepdim = false);

}  // namespace vcc
