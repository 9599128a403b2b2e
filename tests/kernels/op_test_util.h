#pragma once
// Helpers for the reduction and nn-op tests of this folder: gradient-check assertions and
// thread-count comparisons.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <vector>

#include "autograd/gradcheck.h"
#include "core/parallel.h"
#include "core/tensor.h"

namespace vcc::testing {

using OpFn = std::function<Var(const std::vector<Var>&)>;

inline ::testing::AssertionResult gradcheck_passes(const OpFn& fn, const std::vector<Var>& inputs,
                                                   const GradCheckOptions& options = {}) {
  GradCheckResult r = gradcheck(fn, inputs, options);
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.report << "max abs error " << r.max_abs_error;
}

// Sets the library's thread count for a scope.
class ThreadCount {
 public:
  explicit ThreadCount(int n) : previous_(num_threads()) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(previous_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  int previous_;
};

// fn() computed on `threads` threads.
template <class Fn>
auto on_threads(int threads, Fn&& fn) {
  ThreadCount scope(threads);
  return fn();
}

// Same dtype, shape and bytes.
inline ::testing::AssertionResult same_bits(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return ::testing::AssertionFailure() << a.describe() << " vs " << b.describe();
  Tensor ac = a.contiguous(), bc = b.contiguous();
  if (std::memcmp(ac.raw_data(), bc.raw_data(), ac.nbytes()) != 0)
    return ::testing::AssertionFailure() << "contents of " << a.describe() << " differ";
  return ::testing::AssertionSuccess();
}

}  // namespace vcc::testing
