// Fused attention on the GPU against the CPU kernel: output, log-sum-exp and every
// gradient, with each feature (key mask, key bias, T5 relative bias table, explicit
// positions, causal, dropout) switched on.
#include <gtest/gtest.h>

#include <cmath>

#include "gpu_test_util.h"
#include "kernels/attention.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using vcc::testing::rand_uniform;
using vcc::testing::randn;

namespace {

kernels::AttentionArgs on_gpu(kernels::AttentionArgs a) {
  for (Tensor* t : {&a.key_mask, &a.key_bias, &a.relative_bias_table, &a.query_positions, &a.key_positions})
    if (t->defined()) *t = gpu(*t);
  return a;
}

struct Shapes {
  int64_t B, Nq, Nk, H, D;
};

using Close = ::testing::AssertionResult (*)(const Tensor&, const Tensor&);

// Runs forward and backward on both devices and compares everything.
void expect_same_attention(const Shapes& s, const kernels::AttentionArgs& args, uint64_t seed,
                           Close close = close_f32) {
  const Tensor q = randn({s.B, s.Nq, s.H, s.D}, seed, DType::F32), k = randn({s.B, s.Nk, s.H, s.D}, seed + 1, DType::F32);
  const Tensor v = randn({s.B, s.Nk, s.H, s.D}, seed + 2, DType::F32), g = randn({s.B, s.Nq, s.H, s.D}, seed + 3, DType::F32);
  const kernels::AttentionArgs gargs = on_gpu(args);
  const kernels::AttentionOutput f = kernels::attention_forward(q, k, v, args);
  const kernels::AttentionOutput f_gpu = kernels::attention_forward(gpu(q), gpu(k), gpu(v), gargs);
  EXPECT_TRUE(close(f_gpu.out, f.out));
  EXPECT_TRUE(close(f_gpu.lse, f.lse));
  kernels::AttentionGradRequest request;
  request.key_bias = args.key_bias.defined();
  request.relative_bias_table = args.relative_bias_table.defined();
  const kernels::AttentionGrads d = kernels::attention_backward(q, k, v, f, g, args, request);
  const kernels::AttentionGrads d_gpu = kernels::attention_backward(gpu(q), gpu(k), gpu(v), f_gpu, gpu(g), gargs, request);
  EXPECT_TRUE(close(d_gpu.q, d.q));
  EXPECT_TRUE(close(d_gpu.k, d.k));
  EXPECT_TRUE(close(d_gpu.v, d.v));
  if (request.key_bias) {
    EXPECT_TRUE(close(d_gpu.key_bias, d.key_bias));
  }
  if (request.relative_bias_table) {
    EXPECT_TRUE(close(d_gpu.relative_bias_table, d.relative_bias_table));
  }
}

}  // namespace

TEST(AttentionGpu, PlainSoftmaxAttention) {
  VCC_REQUIRE_GPU();
  kernels::AttentionArgs a;
  a.scale = 1.0 / std::sqrt(40.0);
  expect_same_attention({2, 37, 45, 3, 40}, a, 1);
}

TEST(AttentionGpu, KeyMaskKeyBiasAndRelativeBiasWithPositions) {
  VCC_REQUIRE_GPU();
  const Shapes s{2, 33, 70, 2, 16};
  kernels::AttentionArgs a;
  a.scale = 0.25;
  std::vector<uint8_t> mask(s.B * s.Nk, 1);
  for (int64_t j = 60; j < s.Nk; ++j) mask[s.Nk + j] = 0;  // padding at the end of example 1
  mask[5] = 0;
  a.key_mask = Tensor::from_vector<uint8_t>(mask, {s.B, s.Nk});
  a.key_bias = randn({s.B, s.Nk}, 10, DType::F32);
  a.relative_bias_table = randn({32, s.H}, 11, DType::F32);
  // Positions as after VCC compression: arbitrary, sparse, some far apart.
  a.query_positions = rand_uniform({s.B, s.Nq}, 12, 0, 5000).to(DType::I64);
  a.key_positions = rand_uniform({s.B, s.Nk}, 13, 0, 5000).to(DType::I64);
  expect_same_attention(s, a, 20);
}

TEST(AttentionGpu, CausalDecoderWithRelativeBiasAndDropout) {
  VCC_REQUIRE_GPU();
  const Shapes s{2, 40, 52, 2, 32};
  kernels::AttentionArgs a;
  a.scale = 1.0;
  a.causal = true;
  a.bidirectional = false;
  a.relative_bias_table = randn({32, s.H}, 30, DType::F32);  // default positions
  a.dropout = 0.2;
  a.seed = 77;
  a.offset = 5;
  expect_same_attention(s, a, 40);
}

// bfloat16 products: the GPU rounds the same operands but keeps float32 products, and its
// probabilities are shifted by a running maximum over 32 keys rather than 256 before they
// are rounded, so the two agree to bfloat16 rounding, not bit for bit.
TEST(AttentionGpu, Bf16ProductsAgreeWithTheCpuToBf16Rounding) {
  VCC_REQUIRE_GPU();
  const Shapes s{2, 70, 300, 2, 64};
  kernels::AttentionArgs a;
  a.scale = 0.125;
  a.bf16_products = true;
  std::vector<uint8_t> mask(s.B * s.Nk, 1);
  for (int64_t j = 250; j < s.Nk; ++j) mask[s.Nk + j] = 0;
  a.key_mask = Tensor::from_vector<uint8_t>(mask, {s.B, s.Nk});
  a.key_bias = randn({s.B, s.Nk}, 50, DType::F32);
  a.relative_bias_table = randn({32, s.H}, 51, DType::F32);
  a.dropout = 0.1;
  a.seed = 5;
  a.offset = 2;
  expect_same_attention(s, a, 60, close_bf16);
}
