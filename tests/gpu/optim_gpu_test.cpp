// Optimizer update kernels on the GPU against the CPU loops (same functors, so the same
// bits for AdamW and SGD), and the float64 sum of squares of gradient clipping.
#include <gtest/gtest.h>

#include "gpu_test_util.h"
#include "optim/update_kernels.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using vcc::testing::rand_uniform;
using vcc::testing::randn;

TEST(OptimGpu, AdamWStepsMatchTheCpu) {
  VCC_REQUIRE_GPU();
  Tensor p = randn({1000}, 1, DType::F32), m = Tensor::zeros({1000}), v = Tensor::zeros({1000});
  Tensor pg = gpu(p), mg = gpu(m), vg = gpu(v);
  for (int64_t step = 1; step <= 5; ++step) {
    const Tensor g = randn({1000}, 10 + step, DType::F32);
    const optim::AdamWCoefficients c = optim::adamw_coefficients(1e-3, 0.9, 0.98, 1e-6, 0.01, step);
    optim::adamw_update(p, g, m, v, c);
    optim::adamw_update(pg, gpu(g), mg, vg, c);
  }
  EXPECT_TRUE(close_f32(pg, p));
  EXPECT_TRUE(close_f32(mg, m));
  EXPECT_TRUE(close_f32(vg, v));
}

TEST(OptimGpu, SgdWithAndWithoutMomentumMatchesTheCpu) {
  VCC_REQUIRE_GPU();
  for (double momentum : {0.0, 0.9}) {
    Tensor p = randn({257}, 2, DType::F32), buf = Tensor::zeros({257});
    Tensor pg = gpu(p), bg = gpu(buf);
    for (int step = 0; step < 3; ++step) {
      optim::SgdCoefficients c;
      c.lr = 0.1;
      c.momentum = momentum;
      c.weight_decay = 0.01;
      c.nesterov = momentum > 0;
      c.first_step = step == 0;
      const Tensor g = randn({257}, 20 + step, DType::F32);
      optim::sgd_update(p, g, momentum > 0 ? buf : Tensor(), c);
      optim::sgd_update(pg, gpu(g), momentum > 0 ? bg : Tensor(), c);
    }
    EXPECT_TRUE(close_f32(pg, p)) << momentum;
  }
}

TEST(OptimGpu, SumOfSquaresInFloat64) {
  VCC_REQUIRE_GPU();
  const Tensor x = rand_uniform({200003}, 3, -2, 2, DType::F32);
  const double cpu_value = optim::sum_of_squares(x), gpu_value = optim::sum_of_squares(gpu(x));
  EXPECT_NEAR(gpu_value, cpu_value, 1e-9 * cpu_value);
}
