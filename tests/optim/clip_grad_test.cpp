// Global gradient-norm clipping: the returned norm, the scaled gradients, determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "core/parallel.h"
#include "optim/clip_grad.h"
#include "test_util.h"

using namespace vcc;
using namespace vcc::optim;

namespace {

Var with_grad(std::vector<double> g) {
  Var p(Tensor::zeros({static_cast<int64_t>(g.size())}, DType::F64), true);
  p.set_grad(Tensor::from_vector<double>(g, {static_cast<int64_t>(g.size())}));
  return p;
}

}  // namespace

TEST(ClipGrad, ReturnsThePreClipNormAndScalesAllGradients) {
  Var a = with_grad({3.0, 4.0}), b = with_grad({12.0});
  Var no_grad(Tensor::zeros({2}, DType::F64), true);
  const double norm = clip_grad_norm({a, no_grad, b}, 6.5);
  EXPECT_DOUBLE_EQ(norm, 13.0);
  const double coef = 6.5 / (13.0 + 1e-6);
  EXPECT_DOUBLE_EQ(a.grad().to_vector<double>()[0], 3.0 * coef);
  EXPECT_DOUBLE_EQ(a.grad().to_vector<double>()[1], 4.0 * coef);
  EXPECT_DOUBLE_EQ(b.grad().item<double>(), 12.0 * coef);
  EXPECT_FALSE(no_grad.grad().defined());
  EXPECT_NEAR(global_grad_norm({a, b}), 6.5, 1e-6);
}

TEST(ClipGrad, LeavesSmallGradientsAlone) {
  Var a = with_grad({3.0, 4.0});
  EXPECT_DOUBLE_EQ(clip_grad_norm({a}, 5.0 + 1e-3), 5.0);
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{3.0, 4.0}));
  EXPECT_DOUBLE_EQ(clip_grad_norm({a}, 0.0), 5.0);  // 0: measure only
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{3.0, 4.0}));
}

TEST(ClipGrad, NonFiniteNormLeavesGradientsForTheCallerToSkip) {
  Var a = with_grad({INFINITY, 1.0}), b = with_grad({2.0});
  EXPECT_TRUE(std::isinf(clip_grad_norm({a, b}, 1.0)));
  EXPECT_EQ(b.grad().item<double>(), 2.0);
}

TEST(ClipGrad, NormIsAccumulatedInDoubleAndIndependentOfThreads) {
  // float32 gradients whose squares sum beyond float precision.
  Var p(Tensor::zeros({300000}, DType::F32), true);
  p.set_grad(vcc::testing::randn({300000}, 77, DType::F32));
  double expected_sq = 0;
  for (float v : p.grad().to_vector<float>()) expected_sq += static_cast<double>(v) * v;
  std::vector<double> norms;
  const int saved_threads = num_threads();
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    norms.push_back(global_grad_norm({p}));
  }
  set_num_threads(saved_threads);
  EXPECT_NEAR(norms[0], std::sqrt(expected_sq), 1e-9 * std::sqrt(expected_sq));
  EXPECT_EQ(norms[0], norms[1]);
  EXPECT_EQ(norms[0], norms[2]);
}
