// Softmax and log-softmax along any axis: naive float64 references, rows summing to one,
// stability for large logits, and finite-difference gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "kernels/elementwise.h"
#include "kernels/softmax.h"
#include "kernels/softmax_ops.h"
#include "op_test_util.h"
#include "test_util.h"

using namespace vcc;
using vcc::testing::all_close;
using vcc::testing::gradcheck_passes;
using vcc::testing::randn;

namespace {

// softmax (or log-softmax) of x along d by plain loops.
Tensor naive_softmax(const Tensor& x, int d, bool log) {
  std::vector<double> v = x.to_vector<double>(), out(v.size());
  int64_t outer = 1, n = x.size(d), inner = 1;
  for (int i = 0; i < d; ++i) outer *= x.size(i);
  for (int i = d + 1; i < x.dim(); ++i) inner *= x.size(i);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t r) { return (o * n + r) * inner + i; };
      double m = -INFINITY, s = 0;
      for (int64_t r = 0; r < n; ++r) m = std::max(m, v[at(r)]);
      for (int64_t r = 0; r < n; ++r) s += std::exp(v[at(r)] - m);
      for (int64_t r = 0; r < n; ++r) out[at(r)] = log ? v[at(r)] - m - std::log(s) : std::exp(v[at(r)] - m) / s;
    }
  return Tensor::from_vector<double>(out, x.shape());
}

}  // namespace

TEST(Softmax, MatchesNaiveAlongEveryAxisAndRowsSumToOne) {
  for (Shape shape : {Shape{3, 5, 7}, Shape{2, 9, 70}, Shape{4, 1000}})
    for (DType dt : {DType::F64, DType::F32}) {
      Tensor x = randn(shape, 1, dt, 3.0);
      const double tol = dt == DType::F64 ? 1e-14 : 1e-6;
      for (int d = 0; d < x.dim(); ++d) {
        SCOPED_TRACE(x.describe() + " dim " + std::to_string(d));
        Tensor y = kernels::softmax(x, d);
        EXPECT_TRUE(all_close(y, naive_softmax(x, d, false), tol, tol));
        EXPECT_TRUE(all_close(kernels::log_softmax(x, d), naive_softmax(x, d, true), 10 * tol, tol));
        Tensor rows = kernels::sum_to_shape(y.to(DType::F64), [&] {
          Shape s = shape;
          s[d] = 1;
          return s;
        }());
        EXPECT_TRUE(all_close(rows, Tensor::ones(rows.shape(), DType::F64), 10 * tol));
      }
    }
}

TEST(Softmax, LargeLogitsDoNotOverflow) {
  Tensor x = Tensor::from_vector<float>({1000, 1001, 1002, -1000, -1001, -1002}, {2, 3});
  std::vector<float> y = kernels::softmax(x, 1).to_vector<float>();
  EXPECT_NEAR(y[2], 0.66524096f, 1e-6);
  EXPECT_NEAR(y[3], 0.66524096f, 1e-6);
  std::vector<float> ly = kernels::log_softmax(x, 1).to_vector<float>();
  EXPECT_NEAR(ly[0], -2.40760596f, 1e-5);
  EXPECT_NEAR(ly[5], -2.40760596f, 1e-5);
}

TEST(SoftmaxGrad, SoftmaxAndLogSoftmaxMatchFiniteDifferences) {
  Tensor x = randn({3, 4, 5}, 2);
  for (int d : {-1, 1, 0}) {
    SCOPED_TRACE("dim " + std::to_string(d));
    EXPECT_TRUE(gradcheck_passes([&](const std::vector<Var>& in) { return softmax(in[0], d); }, {Var(x, true)}));
    EXPECT_TRUE(gradcheck_passes([&](const std::vector<Var>& in) { return log_softmax(in[0], d); }, {Var(x, true)}));
  }
}

TEST(Softmax, VectorisableFloatExpIsWithinOneUlpOfTheExactValue) {
  double worst = 0;
  for (float x = -103.0f; x < 88.5f; x += 0.000731f) {
    const double exact = std::exp(static_cast<double>(x));
    const float rounded = static_cast<float>(exact);
    const double ulp = static_cast<double>(std::nextafter(rounded, INFINITY)) - rounded;
    worst = std::max(worst, std::fabs(kernels::exp_vectorisable(x) - exact) / ulp);
  }
  EXPECT_LE(worst, 1.0);
  EXPECT_EQ(kernels::exp_vectorisable(0.0f), 1.0f);
  EXPECT_EQ(kernels::exp_vectorisable(-INFINITY), 0.0f);  // masked logits get no weight
  EXPECT_EQ(kernels::exp_vectorisable(-200.0f), 0.0f);
  EXPECT_TRUE(std::isnan(kernels::exp_vectorisable(NAN)));
}
