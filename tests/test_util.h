#pragma once
// Helpers shared by the test binaries: random tensors and tolerant comparisons.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"

namespace vcc::testing {

// The message of the vcc::Error that fn throws ("no error" if none).
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// Sets an environment variable for a scope (in this process), then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) had_ = true, old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() { had_ ? ::setenv(name_, old_.c_str(), 1) : ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

// Normal(0, std) values from a Philox stream, as a tensor of the given dtype.
inline Tensor randn(const Shape& shape, uint64_t seed, DType dtype = DType::F64, double std = 1.0) {
  std::vector<double> v(shape.numel());
  for (size_t i = 0; i < v.size(); ++i) v[i] = std * Philox::normal(seed, 17, i);
  return Tensor::from_vector<double>(v, shape).to(dtype);
}

// Uniform [lo, hi) values.
inline Tensor rand_uniform(const Shape& shape, uint64_t seed, double lo, double hi, DType dtype = DType::F64) {
  std::vector<double> v(shape.numel());
  for (size_t i = 0; i < v.size(); ++i) v[i] = lo + (hi - lo) * Philox::uniform_double(seed, 29, i);
  return Tensor::from_vector<double>(v, shape).to(dtype);
}

// Max |a - b| after converting both to float64 (shapes must match).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape()) << a.describe() << " vs " << b.describe();
  if (a.shape() != b.shape()) return INFINITY;
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

// ||a - b|| / ||b|| over the whole tensor, in float64 (shapes must match).
inline double relative_error(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape()) << a.describe() << " vs " << b.describe();
  if (a.shape() != b.shape()) return INFINITY;
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  double diff = 0, norm = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    diff += (x[i] - y[i]) * (x[i] - y[i]);
    norm += y[i] * y[i];
  }
  return std::sqrt(diff / norm);
}

// True when every element satisfies |a - b| <= atol + rtol |b| (NumPy allclose).
inline ::testing::AssertionResult all_close(const Tensor& a, const Tensor& b, double atol, double rtol = 0.0) {
  if (a.shape() != b.shape()) return ::testing::AssertionFailure() << a.describe() << " vs " << b.describe();
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    if (!(std::fabs(x[i] - y[i]) <= atol + rtol * std::fabs(y[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << x[i] << " vs " << y[i]
                                           << " (atol " << atol << ", rtol " << rtol << ")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace vcc::testing
