// The branch-free float32 functions of core/math.h against float64 libm.
#include "core/math.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/elementwise_ops.h"

namespace vcc {
namespace {

// exp_fast: the softmax exponential of the attention kernels.
TEST(MathExpFast, WithinTwoUlpOfCorrectlyRoundedExp) {
  double worst_ulp = 0;
  for (int64_t step = 0; step <= 2000000; ++step) {
    const float x = -87.0f + 175.0f * static_cast<float>(step) / 2000000.0f;
    const double exact = std::exp(static_cast<double>(x));
    const float rounded = static_cast<float>(exact);
    if (std::isinf(rounded)) continue;
    const double ulp = std::nextafter(rounded, INFINITY) - rounded;
    worst_ulp = std::max(worst_ulp, std::fabs(math::exp_fast(x) - exact) / ulp);
  }
  EXPECT_LE(worst_ulp, 2.0);
  EXPECT_EQ(math::exp_fast(0.0f), 1.0f);
  EXPECT_EQ(math::exp_fast(-INFINITY), 0.0f);
  EXPECT_EQ(math::exp_fast(-150.0f), 0.0f);
  EXPECT_EQ(math::exp_fast(89.0f), INFINITY);
  EXPECT_EQ(math::exp_fast(INFINITY), INFINITY);
  // Subnormal results are right to within their (coarse) spacing.
  EXPECT_NEAR(math::exp_fast(-100.0f), std::exp(-100.0), 2e-45);
  EXPECT_TRUE(std::isnan(math::exp_fast(NAN)));
}

// normal_cdf keeps its relative accuracy in both tails (the left one is GELU's x * Phi(x)
// for negative x; 1 + erf would cancel there). The error grows with x^2 only through the
// rounding of x / sqrt(2) before it is squared.
TEST(MathNormalCdf, RelativeErrorAgainstFloat64) {
  double worst = 0, worst_at = 0;
  for (int64_t step = 0; step <= 400000; ++step) {
    const float x = -13.0f + 22.0f * static_cast<float>(step) / 400000.0f;
    const double xd = x;
    const double exact = 0.5 * std::erfc(-xd / std::sqrt(2.0));
    const double bound = 4e-7 + 1.5e-7 * xd * xd;
    const double err = std::fabs(math::normal_cdf(x) - exact) / exact;
    if (err / bound > worst) worst = err / bound, worst_at = x;
  }
  EXPECT_LE(worst, 1.0) << "worst relative error (in units of the bound) at x = " << worst_at;
  EXPECT_EQ(math::normal_cdf(40.0f), 1.0f);
  EXPECT_EQ(math::normal_cdf(-40.0f), 0.0f);
  EXPECT_EQ(math::normal_cdf(INFINITY), 1.0f);
  EXPECT_EQ(math::normal_cdf(-INFINITY), 0.0f);
  EXPECT_FLOAT_EQ(math::normal_cdf(0.0f), 0.5f);
  EXPECT_TRUE(std::isnan(math::normal_cdf(NAN)));
  EXPECT_NEAR(math::normal_pdf(1.5f), std::exp(-1.125) / std::sqrt(2 * M_PI), 1e-7);
}

// GELU in float32 against float64 (libm erf): forward and derivative, every 1/1000 of [-12, 12].
TEST(MathNormalCdf, GeluAndItsDerivativeMatchFloat64) {
  using G = kernels::Unary<kernels::UnaryOp::GeluErf>;
  double worst_forward = 0, worst_backward = 0;
  for (int step = -12000; step <= 12000; ++step) {
    const float x = static_cast<float>(step) / 1000.0f;
    const double xd = x;
    const double y = G::forward(xd, 0.0), dy = G::backward(xd, y, 1.0, 0.0);
    worst_forward = std::max(worst_forward, std::fabs(G::forward(x, 0.0f) - y) / std::max(1.0, std::fabs(xd)));
    worst_backward = std::max(worst_backward, std::fabs(G::backward(x, 0.0f, 1.0f, 0.0f) - dy));
  }
  EXPECT_LE(worst_forward, 2e-7);
  EXPECT_LE(worst_backward, 3e-7);
  EXPECT_DOUBLE_EQ(G::forward(1.0, 0.0), 0.5 * (1.0 + std::erf(1.0 / std::sqrt(2.0))));
}

}  // namespace
}  // namespace vcc
