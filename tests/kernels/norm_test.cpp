// LayerNorm and RMSNorm: naive float64 formulas, float32 against float64, finite-difference
// gradients of input, weight and bias, and bitwise-equal backward on one and two threads.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "kernels/elementwise.h"
#include "kernels/norm.h"
#include "op_test_util.h"
#include "test_util.h"

using namespace vcc;
using vcc::testing::all_close;
using vcc::testing::gradcheck_passes;
using vcc::testing::randn;

namespace {

// Row-wise (x - mean) / sqrt(var + eps) * w + b, or x / sqrt(mean(x^2) + eps) * w.
Tensor naive_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps, bool centred) {
  const int64_t d = x.size(-1), rows = x.numel() / d;
  std::vector<double> v = x.to_vector<double>(), wv = w.to_vector<double>(), out(v.size());
  std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>(d, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = v.data() + r * d;
    double mean = 0, var = 0;
    if (centred) {
      for (int64_t i = 0; i < d; ++i) mean += xr[i];
      mean /= d;
    }
    for (int64_t i = 0; i < d; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= d;
    for (int64_t i = 0; i < d; ++i) out[r * d + i] = (xr[i] - mean) / std::sqrt(var + eps) * wv[i] + bv[i];
  }
  return Tensor::from_vector<double>(out, x.shape());
}

}  // namespace

TEST(LayerNorm, MatchesTheNaiveFormula) {
  Tensor x = randn({2, 3, 40}, 1, DType::F64, 2.0), w = randn({40}, 2), b = randn({40}, 3);
  x = kernels::binary(kernels::BinaryOp::Add, x, Tensor::full({1}, 5.0, DType::F64));  // far from zero mean
  kernels::NormOutput r = kernels::layer_norm(x, w, b, 1e-5);
  EXPECT_TRUE(all_close(r.y, naive_norm(x, w, b, 1e-5, true), 1e-13));
  EXPECT_EQ(r.mean.shape(), Shape{6});
  EXPECT_NEAR(r.mean.to_vector<double>()[0], 5.0, 1.0);
  // float32 input against the float64 reference.
  kernels::NormOutput f = kernels::layer_norm(x.to(DType::F32), w.to(DType::F32), b.to(DType::F32), 1e-5);
  EXPECT_TRUE(all_close(f.y, naive_norm(x, w, b, 1e-5, true), 1e-5, 1e-5));
  // No weight and bias: the plain normalisation.
  EXPECT_TRUE(all_close(kernels::layer_norm(x, Tensor(), Tensor(), 1e-5).y,
                        naive_norm(x, Tensor::ones({40}, DType::F64), Tensor(), 1e-5, true), 1e-13));
}

TEST(RmsNorm, MatchesTheNaiveFormulaInFloat32AndFloat64) {
  Tensor x = randn({5, 64}, 4, DType::F64, 3.0), w = randn({64}, 5);
  Tensor ref = naive_norm(x, w, Tensor(), 1e-6, false);
  kernels::NormOutput r = kernels::rms_norm(x, w, 1e-6);
  EXPECT_FALSE(r.mean.defined());
  EXPECT_TRUE(all_close(r.y, ref, 1e-13));
  EXPECT_TRUE(all_close(kernels::rms_norm(x.to(DType::F32), w.to(DType::F32), 1e-6).y, ref, 1e-5, 1e-5));
  // A hand-computed row: x = (3, 4), mean square 12.5.
  Tensor h = kernels::rms_norm(Tensor::from_vector<double>({3, 4}, {1, 2}), Tensor::from_vector<double>({1, 2}, {2}), 0)
                 .y;
  EXPECT_NEAR(h.to_vector<double>()[0], 3 / std::sqrt(12.5), 1e-15);
  EXPECT_NEAR(h.to_vector<double>()[1], 8 / std::sqrt(12.5), 1e-15);
}

TEST(NormGrad, LayerNormInputWeightAndBiasMatchFiniteDifferences) {
  Tensor x = randn({2, 3, 6}, 6), w = randn({6}, 7), b = randn({6}, 8);
  EXPECT_TRUE(gradcheck_passes([](const std::vector<Var>& in) { return layer_norm(in[0], in[1], in[2], 1e-5); },
                               {Var(x, true), Var(w, true), Var(b, true)}));
  // Only the parameters need gradients; and no affine parameters at all.
  EXPECT_TRUE(gradcheck_passes([](const std::vector<Var>& in) { return layer_norm(in[0], in[1], in[2], 1e-5); },
                               {Var(x, false), Var(w, true), Var(b, true)}));
  EXPECT_TRUE(gradcheck_passes([](const std::vector<Var>& in) { return layer_norm(in[0], Var(), Var(), 1e-5); },
                               {Var(x, true)}));
}

TEST(NormGrad, RmsNormInputAndWeightMatchFiniteDifferences) {
  Tensor x = randn({4, 7}, 9), w = randn({7}, 10);
  EXPECT_TRUE(gradcheck_passes([](const std::vector<Var>& in) { return rms_norm(in[0], in[1], 1e-6); },
                               {Var(x, true), Var(w, true)}));
}

TEST(NormGrad, WeightGradientsOverManyRowsMatchFiniteDifferences) {
  // Enough rows for several fixed chunks of the weight/bias reduction.
  Tensor x = randn({300, 5}, 11), w = randn({5}, 12), b = randn({5}, 13);
  EXPECT_TRUE(gradcheck_passes([](const std::vector<Var>& in) { return layer_norm(in[0], in[1], in[2], 1e-5); },
                               {Var(x, false), Var(w, true), Var(b, true)}));
}

TEST(NormGrad, BackwardIsBitwiseTheSameOnOneAndTwoThreads) {
  Tensor x = randn({1000, 256}, 14, DType::F32), w = randn({256}, 15, DType::F32), g = randn({1000, 256}, 16, DType::F32);
  for (bool centred : {true, false}) {
    kernels::NormOutput r = centred ? kernels::layer_norm(x, w, Tensor(), 1e-5) : kernels::rms_norm(x, w, 1e-6);
    auto run = [&] { return kernels::norm_backward(g, x, r.mean, r.rstd, w, true, true, centred); };
    kernels::NormGrads one = vcc::testing::on_threads(1, run), two = vcc::testing::on_threads(2, run);
    EXPECT_TRUE(vcc::testing::same_bits(one.dx, two.dx));
    EXPECT_TRUE(vcc::testing::same_bits(one.dweight, two.dweight));
    if (centred) {
      EXPECT_TRUE(vcc::testing::same_bits(one.dbias, two.dbias));
    }
  }
}
