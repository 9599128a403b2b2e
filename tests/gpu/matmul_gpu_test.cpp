// cuBLAS GEMM against OpenBLAS: transposes, strided views, broadcast and irregular batch
// layouts, beta, empty inner dimension; float32 (TF32 off), float64, bfloat16.
#include <gtest/gtest.h>

#include "core/cuda/blas_handle.h"
#include "gpu_test_util.h"
#include "kernels/matmul.h"
#include "nn/linear.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using vcc::testing::randn;

TEST(MatmulGpu, AllTransposeCombinationsMatchTheCpu) {
  VCC_REQUIRE_GPU();
  ASSERT_FALSE(cuda::allow_tf32());
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      const Tensor a = randn(ta ? Shape{37, 23} : Shape{23, 37}, 1, DType::F32);
      const Tensor b = randn(tb ? Shape{19, 37} : Shape{37, 19}, 2, DType::F32);
      EXPECT_TRUE(close_f32(kernels::matmul(gpu(a), gpu(b), ta, tb, 0.75), kernels::matmul(a, b, ta, tb, 0.75)))
          << ta << tb;
    }
}

TEST(MatmulGpu, BatchedBroadcastAndStridedOperands) {
  VCC_REQUIRE_GPU();
  // Regular batches (one strided-batched call), a broadcast operand (stride 0), and a
  // layout whose batch offsets are not a multiple of the batch index (permuted heads).
  const Tensor a = randn({3, 4, 16, 8}, 3, DType::F32), b = randn({4, 8, 12}, 4, DType::F32);
  EXPECT_TRUE(close_f32(kernels::matmul(gpu(a), gpu(b)), kernels::matmul(a, b)));
  const Tensor qb = randn({2, 10, 3, 8}, 5, DType::F32), kb = randn({2, 10, 3, 8}, 6, DType::F32);
  const Tensor qg = gpu(qb), kg = gpu(kb);  // [2, 3, 10, 8] views below: batch (b, h) offsets irregular
  EXPECT_TRUE(close_f32(kernels::matmul(qg.permute({0, 2, 1, 3}), kg.permute({0, 2, 1, 3}), false, true),
                        kernels::matmul(qb.permute({0, 2, 1, 3}), kb.permute({0, 2, 1, 3}), false, true)));
  const Tensor lhs = randn({5, 2, 6, 7}, 7, DType::F32), rhs = randn({2, 5, 7, 3}, 8, DType::F32);
  EXPECT_TRUE(close_f32(kernels::matmul(gpu(lhs).transpose(0, 1), gpu(rhs)), kernels::matmul(lhs.transpose(0, 1), rhs)));
}

TEST(MatmulGpu, GemmIntoAccumulatesWithBetaAndHandlesEmptyInnerDim) {
  VCC_REQUIRE_GPU();
  const Tensor a = randn({9, 5}, 9, DType::F32), b = randn({5, 4}, 10, DType::F32);
  Tensor c = randn({9, 4}, 11, DType::F32), c_gpu = gpu(c);
  kernels::gemm_into(a, b, c, false, false, 2.0, 0.5);
  kernels::gemm_into(gpu(a), gpu(b), c_gpu, false, false, 2.0, 0.5);
  EXPECT_TRUE(close_f32(c_gpu, c));
  const Tensor a0 = Tensor::zeros({9, 0}), b0 = Tensor::zeros({0, 4});
  kernels::gemm_into(a0, b0, c, false, false, 1.0, 0.5);
  kernels::gemm_into(gpu(a0), gpu(b0), c_gpu, false, false, 1.0, 0.5);
  EXPECT_TRUE(close_f32(c_gpu, c));
}

TEST(MatmulGpu, LinearWithBiasMatchesTheCpu) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({2, 7, 24}, 12, DType::F32), w = randn({10, 24}, 13, DType::F32), bias = randn({10}, 14, DType::F32);
  EXPECT_TRUE(close_f32(kernels::linear(gpu(x), gpu(w), gpu(bias)), kernels::linear(x, w, bias)));
}

TEST(MatmulGpu, Float64AndBfloat16) {
  VCC_REQUIRE_GPU();
  const Tensor a = randn({33, 21}, 15), b = randn({21, 17}, 16);
  EXPECT_TRUE(vcc::testing::all_close(cpu(kernels::matmul(gpu(a), gpu(b))), kernels::matmul(a, b), 1e-12, 1e-12));
  const Tensor af = randn_bf16_exact({33, 64}, 17), bf = randn_bf16_exact({64, 17}, 18);
  // bf16 inputs, float32 accumulation: only the output rounding differs from float32.
  EXPECT_TRUE(close_bf16(kernels::matmul(gpu(af).to(DType::BF16), gpu(bf).to(DType::BF16)), kernels::matmul(af, bf)));
}

TEST(MatmulGpu, Bf16LinearLayerForwardAndBackwardMatchTheCpu) {
  VCC_REQUIRE_GPU();
  // train.precision: bf16 on both devices: bfloat16 GEMM operands, float32 bias, gradients
  // and weights (nn/linear.h).
  nn::Linear on_cpu(24, 10, true), on_gpu(24, 10, true);
  const auto cpu_params = on_cpu.named_parameters(), gpu_params = on_gpu.named_parameters();
  for (size_t i = 0; i < cpu_params.size(); ++i) {
    Tensor(cpu_params[i].second.value()).copy_(randn(cpu_params[i].second.value().shape(), 20 + i, DType::F32));
    gpu_params[i].second.node()->value = gpu(cpu_params[i].second.value());
  }
  on_cpu.set_compute_dtype(DType::BF16);
  on_gpu.set_compute_dtype(DType::BF16);
  const Tensor x = randn({2, 7, 24}, 19, DType::F32), upstream = randn({2, 7, 10}, 25, DType::F32);
  Var xc(x, true), xg(gpu(x), true);
  Var yc = on_cpu.forward(xc), yg = on_gpu.forward(xg);
  EXPECT_EQ(yg.dtype(), DType::F32);
  EXPECT_TRUE(close_bf16(yg.value(), yc.value()));
  yc.backward(upstream);
  yg.backward(gpu(upstream));
  EXPECT_TRUE(close_bf16(xg.grad(), xc.grad()));
  for (size_t i = 0; i < cpu_params.size(); ++i)
    EXPECT_TRUE(close_bf16(gpu_params[i].second.grad(), cpu_params[i].second.grad())) << cpu_params[i].first;
}
