// Dropout: the mask is Philox::uniform(seed, offset, i) >= p, kept elements are scaled by
// 1/(1-p), the kept fraction is about 1-p, one generator offset per call, backward reuses
// the mask, and finite differences agree under a fixed generator state.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "kernels/dropout.h"
#include "kernels/dropout_ops.h"
#include "op_test_util.h"
#include "test_util.h"

using namespace vcc;
using vcc::testing::gradcheck_passes;
using vcc::testing::randn;

TEST(Dropout, MaskIsThePhiloxDrawAgainstPAndKeptValuesAreScaled) {
  const double p = 0.3;
  Tensor x = vcc::testing::rand_uniform({1001}, 1, 1.0, 2.0, DType::F32);  // nonzero everywhere
  Tensor y = kernels::dropout(x, p, 42, 7);
  std::vector<float> xv = x.to_vector<float>(), yv = y.to_vector<float>();
  for (size_t i = 0; i < xv.size(); ++i) {
    const bool keep = Philox::uniform(42, 7, i) >= p;
    ASSERT_EQ(keep, kernels::Dropout::keep(42, 7, i, p));
    ASSERT_EQ(yv[i], keep ? xv[i] * static_cast<float>(1 / (1 - p)) : 0.0f) << "element " << i;
  }
}

TEST(Dropout, KeepsAboutOneMinusPOfTheElements) {
  Tensor x = Tensor::ones({200000});
  for (double p : {0.1, 0.5}) {
    std::vector<float> y = kernels::dropout(x, p, 3, 0).to_vector<float>();
    int64_t kept = 0;
    for (float v : y) {
      if (v != 0) {
        ++kept;
        ASSERT_FLOAT_EQ(v, static_cast<float>(1 / (1 - p)));
      }
    }
    // Binomial standard deviation is at most 0.0012 of the count here; allow 4 of them.
    EXPECT_NEAR(static_cast<double>(kept) / y.size(), 1 - p, 0.005) << "p " << p;
  }
}

TEST(Dropout, SameGeneratorStateSameMaskAndTheNextCallDiffers) {
  Var x(Tensor::ones({4096}), false);
  Generator gen(123);
  Tensor first = dropout(x, 0.5, true, gen).value();
  EXPECT_EQ(gen.offset(), 1u);  // one offset per call
  Tensor second = dropout(x, 0.5, true, gen).value();
  gen.set_state(123, 0);
  Tensor again = dropout(x, 0.5, true, gen).value();
  EXPECT_TRUE(vcc::testing::same_bits(first, again));
  EXPECT_FALSE(vcc::testing::same_bits(first, second));
  // Thread count does not change the mask.
  gen.set_state(123, 0);
  Tensor one_thread = vcc::testing::on_threads(1, [&] { return dropout(x, 0.5, true, gen).value(); });
  EXPECT_TRUE(vcc::testing::same_bits(first, one_thread));
}

TEST(Dropout, IdentityWhenNotTrainingOrPIsZeroAndZerosWhenPIsOne) {
  Var x(randn({3, 4}, 2), true);
  Generator gen(5);
  EXPECT_EQ(dropout(x, 0.5, false, gen).node(), x.node());
  EXPECT_EQ(dropout(x, 0.0, true, gen).node(), x.node());
  EXPECT_EQ(gen.offset(), 0u);  // no draws consumed
  std::vector<double> z = dropout(x, 1.0, true, gen).value().to_vector<double>();
  for (double v : z) EXPECT_EQ(v, 0.0);
  EXPECT_THROW(dropout(x, 1.5, true, gen), Error);
}

TEST(DropoutGrad, BackwardReusesTheForwardMask) {
  Var x(randn({64, 33}, 3), true);
  Generator gen(9);
  Var y = dropout(x, 0.25, true, gen);
  Tensor g = randn({64, 33}, 4);
  y.backward(g);
  std::vector<double> yv = y.value().to_vector<double>(), xv = x.value().to_vector<double>();
  std::vector<double> gv = g.to_vector<double>(), dx = x.grad().to_vector<double>();
  for (size_t i = 0; i < yv.size(); ++i) {
    const bool kept = yv[i] != 0;
    EXPECT_DOUBLE_EQ(dx[i], kept ? gv[i] / 0.75 : 0.0) << "element " << i;
  }
}

TEST(DropoutGrad, MatchesFiniteDifferencesUnderAFixedGeneratorState) {
  Tensor x = randn({6, 7}, 5);
  Generator gen(77);
  EXPECT_TRUE(gradcheck_passes(
      [&](const std::vector<Var>& in) {
        gen.set_state(77, 3);  // every evaluation draws the same mask
        return dropout(in[0], 0.4, true, gen);
      },
      {Var(x, true)}));
}
