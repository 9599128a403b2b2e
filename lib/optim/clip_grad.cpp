#include "optim/clip_grad.h"

#include <cmath>

#include "kernels/elementwise.h"
#include "optim/update_kernels.h"

namespace vcc::optim {

double global_grad_norm(const std::vector<Var>& params) {
  double sum = 0.0;
  for (const Var& p : params)
    if (p.defined() && p.grad().defined()) sum += sum_of_squares(p.grad());
  return std::sqrt(sum);
}

double clip_grad_norm(const std::vector<Var>& params, double max_norm) {
  const double norm = global_grad_norm(params);
  if (max_norm <= 0 || !std::isfinite(norm)) return norm;
  const double coef = max_norm / (norm + 1e-6);
  if (coef >= 1.0) return norm;
  for (const Var& p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    // Autograd gives each leaf its own contiguous gradient buffer (autograd/variable.cpp), so
    // scaling in place is safe; a gradient set by hand as a view is replaced by a copy.
    Tensor g = p.grad().is_contiguous() ? p.grad() : p.grad().contiguous();
    kernels::scale_inplace(g, coef);
    if (!g.same_storage(p.grad())) p.set_grad(g);
  }
  return norm;
}

}  // namespace vcc::optim
