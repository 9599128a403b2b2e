#pragma once
// Finite-difference gradient checking (tests use it on every differentiable op, in float64).
#include <functional>
#include <string>
#include <vector>

#include "autograd/variable.h"

namespace vcc {

struct GradCheckResult {
  bool ok = true;
  double max_abs_error = 0;   // over all checked elements
  double max_rel_error = 0;
  std::string report;         // first mismatches, "input i [flat index]: analytic vs numeric"
};

struct GradCheckOptions {
  double eps = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-5;
  uint64_t seed = 1234;        // for the random projection of the output
  int64_t max_elements = 400;  // checked elements per input (evenly spaced) to bound cost
};

// Compares d<w, fn(inputs)>/d(inputs) from backward with central differences, where w
// is a fixed random tensor. Inputs must be float64; only inputs with requires_grad are
// checked.
GradCheckResult gradcheck(const std::function<Var(const std::vector<Var>&)>& fn, const std::vector<Var>& inputs,
                          const GradCheckOptions& options = {});

}  // namespace vcc
