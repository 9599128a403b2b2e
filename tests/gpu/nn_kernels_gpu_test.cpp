// Norms, cross-entropy, dropout and embedding on the GPU against the CPU launchers.
#include <gtest/gtest.h>

#include "gpu_test_util.h"
#include "kernels/cross_entropy.h"
#include "kernels/dropout.h"
#include "kernels/embedding.h"
#include "kernels/norm.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using vcc::testing::rand_uniform;
using vcc::testing::randn;

TEST(NormGpu, LayerNormForwardAndBackward) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({3, 50, 96}, 1, DType::F32), w = randn({96}, 2, DType::F32), bias = randn({96}, 3, DType::F32);
  const Tensor g = randn({3, 50, 96}, 4, DType::F32);
  const kernels::NormOutput f = kernels::layer_norm(x, w, bias, 1e-5);
  const kernels::NormOutput f_gpu = kernels::layer_norm(gpu(x), gpu(w), gpu(bias), 1e-5);
  EXPECT_TRUE(close_f32(f_gpu.y, f.y));
  EXPECT_TRUE(close_f32(f_gpu.mean, f.mean));
  EXPECT_TRUE(close_f32(f_gpu.rstd, f.rstd));
  const kernels::NormGrads d = kernels::norm_backward(g, x, f.mean, f.rstd, w, true, true, true);
  const kernels::NormGrads d_gpu = kernels::norm_backward(gpu(g), gpu(x), f_gpu.mean, f_gpu.rstd, gpu(w), true, true, true);
  EXPECT_TRUE(close_f32(d_gpu.dx, d.dx));
  EXPECT_TRUE(close_f32(d_gpu.dweight, d.dweight));
  EXPECT_TRUE(close_f32(d_gpu.dbias, d.dbias));
}

TEST(NormGpu, RmsNormForwardAndBackward) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({130, 64}, 5, DType::F32), w = randn({64}, 6, DType::F32), g = randn({130, 64}, 7, DType::F32);
  const kernels::NormOutput f = kernels::rms_norm(x, w, 1e-6);
  const kernels::NormOutput f_gpu = kernels::rms_norm(gpu(x), gpu(w), 1e-6);
  EXPECT_FALSE(f_gpu.mean.defined());
  EXPECT_TRUE(close_f32(f_gpu.y, f.y));
  const kernels::NormGrads d = kernels::norm_backward(g, x, Tensor(), f.rstd, w, true, true, false);
  const kernels::NormGrads d_gpu = kernels::norm_backward(gpu(g), gpu(x), Tensor(), f_gpu.rstd, gpu(w), true, true, false);
  EXPECT_TRUE(close_f32(d_gpu.dx, d.dx));
  EXPECT_TRUE(close_f32(d_gpu.dweight, d.dweight));
}

TEST(CrossEntropyGpu, LossLseAndGradientWithIgnoreAndSmoothing) {
  VCC_REQUIRE_GPU();
  const Tensor logits = randn({37, 1000}, 8, DType::F32, 3.0);
  std::vector<int64_t> t(37);
  for (int64_t i = 0; i < 37; ++i) t[i] = i % 5 == 0 ? -100 : (i * 131) % 1000;
  const Tensor targets = Tensor::from_vector<int64_t>(t, {37});
  for (double smoothing : {0.0, 0.1}) {
    const kernels::CrossEntropyRows r = kernels::cross_entropy(logits, targets, -100, smoothing);
    const kernels::CrossEntropyRows r_gpu = kernels::cross_entropy(gpu(logits), gpu(targets), -100, smoothing);
    EXPECT_EQ(r_gpu.count, r.count);
    EXPECT_TRUE(close_f32(r_gpu.loss, r.loss)) << smoothing;
    EXPECT_TRUE(close_f32(r_gpu.lse, r.lse)) << smoothing;
    const Tensor grad_rows = randn({37}, 9, DType::F32);
    EXPECT_TRUE(close_f32(
        kernels::cross_entropy_backward(gpu(logits), gpu(targets), r_gpu.lse, gpu(grad_rows), 0.25, -100, smoothing),
        kernels::cross_entropy_backward(logits, targets, r.lse, grad_rows, 0.25, -100, smoothing)));
  }
  const Tensor bad = Tensor::from_vector<int64_t>({3, 1000}, {2});
  EXPECT_THROW(kernels::cross_entropy(gpu(logits.narrow(0, 0, 2)), gpu(bad), -100, 0.0), Error);
}

TEST(DropoutGpu, SameMaskAndScaleAsTheCpu) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({1001, 3}, 10, DType::F32);  // a length that is not a multiple of 4
  for (double p : {0.1, 0.5})
    EXPECT_TRUE(identical(kernels::dropout(gpu(x), p, 1234, 56), kernels::dropout(x, p, 1234, 56))) << p;
}

TEST(EmbeddingGpu, LookupAndDeterministicBackward) {
  VCC_REQUIRE_GPU();
  const Tensor table = randn({50, 24}, 11, DType::F32);
  const Tensor ids = rand_uniform({4, 33}, 12, 0, 50).to(DType::I64);  // repeats
  EXPECT_TRUE(identical(kernels::embedding(gpu(table), gpu(ids)), kernels::embedding(table, ids)));
  const Tensor g = randn({4, 33, 24}, 13, DType::F32);
  const Tensor d = kernels::embedding_backward(g, ids, 50);
  const Tensor d_gpu = kernels::embedding_backward(gpu(g), gpu(ids), 50);
  EXPECT_TRUE(close_f32(d_gpu, d));
  EXPECT_TRUE(identical(kernels::embedding_backward(gpu(g), gpu(ids.to(DType::I32)), 50), d_gpu));  // same bits again
  const Tensor bad = Tensor::from_vector<int64_t>({1, 50}, {2});
  EXPECT_THROW(kernels::embedding(gpu(table), gpu(bad)), Error);
}
