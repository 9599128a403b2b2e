#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "core/rng.h"

namespace vcc {
namespace {

double weighted_sum(const Tensor& y, const std::vector<double>& w) {
  std::vector<double> v = y.to_vector<double>();
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += v[i] * w[i];
  return s;
}

}  // namespace

GradCheckResult gradcheck(const std::function<Var(const std::vector<Var>&)>& fn, const std::vector<Var>& inputs,
                          const GradCheckOptions& options) {
  for (const Var& v : inputs)
    VCC_CHECK(v.dtype() == DType::F64 || !v.requires_grad(), "gradcheck needs float64 inputs, got ",
              v.value().describe());
  // Fresh leaves so gradients start at zero.
  std::vector<Var> leaves;
  for (const Var& v : inputs) leaves.emplace_back(v.value().clone(), v.requires_grad());

  Var y = fn(leaves);
  std::vector<double> w(y.numel());
  for (size_t i = 0; i < w.size(); ++i) w[i] = Philox::normal(options.seed, 0, i);
  Tensor wt = Tensor::from_vector<double>(w, y.shape()).to(y.dtype());
  y.backward(wt);

  GradCheckResult result;
  std::ostringstream report;
  int mismatches = 0;
  for (size_t k = 0; k < leaves.size(); ++k) {
    if (!leaves[k].requires_grad()) continue;
    Tensor analytic_t = leaves[k].grad();
    std::vector<double> analytic = analytic_t.defined() ? analytic_t.to_vector<double>()
                                                        : std::vector<double>(leaves[k].numel(), 0.0);
    Tensor x = leaves[k].value().contiguous();
    double* xp = x.data<double>();
    const int64_t n = x.numel();
    const int64_t step = std::max<int64_t>(1, n / options.max_elements);
    for (int64_t i = 0; i < n; i += step) {
      const double orig = xp[i];
      auto eval = [&](double value) {
        xp[i] = value;
        std::vector<Var> probe;
        for (size_t j = 0; j < leaves.size(); ++j) probe.emplace_back(j == k ? x : leaves[j].value(), false);
        NoGradGuard no_grad;
        return weighted_sum(fn(probe).value(), w);
      };
      const double numeric = (eval(orig + options.eps) - eval(orig - options.eps)) / (2 * options.eps);
      xp[i] = orig;
      const double err = std::fabs(numeric - analytic[i]);
      const double rel = err / std::max(std::fabs(numeric), 1e-12);
      result.max_abs_error = std::max(result.max_abs_error, err);
      if (std::fabs(numeric) > options.atol) result.max_rel_error = std::max(result.max_rel_error, rel);
      if (!(err <= options.atol + options.rtol * std::fabs(numeric))) {
        result.ok = false;
        if (mismatches++ < 8)
          report << "input " << k << " [" << i << "]: analytic " << analytic[i] << " vs numeric " << numeric << "\n";
      }
    }
  }
  result.report = report.str();
  return result;
}

}  // namespace vcc
