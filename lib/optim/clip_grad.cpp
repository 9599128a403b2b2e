#include "optim/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "kernels/elementwise.h"
#include "optim/update_kernels.h"

namespace vcc::optim {

double global_grad_norm(const std::vector<Var>& params) {
  std::vector<Tensor> grads;
  for (const Var& p : params)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  double sum = 0.0;
  const bool one_device = !grads.empty() && std::all_of(grads.begin(), grads.end(), [&](const Tensor& g) {
    return g.device() == grads[0].device();
  });
  if (one_device && !grads[0].device().is_cpu()) {
    // On a device: every tensor's sum into one device buffer, then one copy to the host
    // (a host sync per step instead of one per parameter). Same sums, same order.
    const Tensor sums = Tensor::empty({static_cast<int64_t>(grads.size())}, DType::F64, grads[0].device());
    for (size_t i = 0; i < grads.size(); ++i) sum_of_squares_into(grads[i], sums.select(0, static_cast<int64_t>(i)));
    for (double s : sums.to_vector<double>()) sum += s;
  } else {
    for (const Tensor& g : grads) sum += sum_of_squares(g);
  }
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
