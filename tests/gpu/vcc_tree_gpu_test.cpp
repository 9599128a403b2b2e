// VCC block-tree kernels on the GPU against the CPU launchers: coarsen / refine with their
// backward (in-place offset updates included), row gathers and scatter-adds.
#include <gtest/gtest.h>

#include "gpu_test_util.h"
#include "kernels/vcc_tree.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using vcc::testing::randn;

namespace {

constexpr int64_t B = 2, N = 6, b = 4, d = 40, k = 3;

struct Tree {
  Tensor blocks = Tensor::from_vector<int64_t>({4, 0, 2, 5, 1, 3}, {B, k});  // unique per example
  Tensor mask, counts;
  Tree() {
    std::vector<float> m(B * N * b, 1.0f);
    for (int64_t i = 2; i < b; ++i) m[(0 * N + 4) * b + i] = 0.0f;  // a partly padded block
    for (int64_t i = 0; i < b; ++i) m[(1 * N + 5) * b + i] = 0.0f;  // an empty block (count 0)
    mask = Tensor::from_vector<float>(m, {B, N, b});
    std::vector<float> c(B * N, 0.0f);
    for (int64_t j = 0; j < B * N; ++j)
      for (int64_t i = 0; i < b; ++i) c[j] += m[j * b + i];
    counts = Tensor::from_vector<float>(c, {B, N});
  }
};

}  // namespace

TEST(VccTreeGpu, CoarsenAndItsBackwardMatchTheCpu) {
  VCC_REQUIRE_GPU();
  const Tree t;
  const Tensor tokens = randn({B, k, b, d}, 1, DType::F32);
  Tensor offsets = randn({B, N, b, d}, 2, DType::F32), offsets_gpu = gpu(offsets);
  for (double eps : {0.0, 1e-6}) {
    const Tensor means = kernels::vcc_coarsen(tokens, t.blocks, t.mask, t.counts, eps, offsets);
    const Tensor means_gpu =
        kernels::vcc_coarsen(gpu(tokens), gpu(t.blocks), gpu(t.mask), gpu(t.counts), eps, offsets_gpu);
    EXPECT_TRUE(close_f32(means_gpu, means)) << eps;
    EXPECT_TRUE(close_f32(offsets_gpu, offsets)) << eps;
  }
  const Tensor grad_means = randn({B, k, d}, 3, DType::F32);
  Tensor grad_offsets = randn({B, N, b, d}, 4, DType::F32), grad_offsets_gpu = gpu(grad_offsets);
  const Tensor gt = kernels::vcc_coarsen_backward(grad_means, t.blocks, t.mask, t.counts, 1e-6, grad_offsets);
  const Tensor gt_gpu = kernels::vcc_coarsen_backward(gpu(grad_means), gpu(t.blocks), gpu(t.mask), gpu(t.counts), 1e-6,
                                                      grad_offsets_gpu);
  EXPECT_TRUE(close_f32(gt_gpu, gt));
  EXPECT_TRUE(close_f32(grad_offsets_gpu, grad_offsets));
}

TEST(VccTreeGpu, RefineAndItsBackwardMatchTheCpu) {
  VCC_REQUIRE_GPU();
  const Tree t;
  const Tensor means = randn({B, N, d}, 5, DType::F32), offsets = randn({B, N, b, d}, 6, DType::F32);
  EXPECT_TRUE(close_f32(kernels::vcc_refine(gpu(means), gpu(offsets), gpu(t.blocks)),
                        kernels::vcc_refine(means, offsets, t.blocks)));
  const Tensor grad_tokens = randn({B, k, b, d}, 7, DType::F32);
  Tensor grad_offsets = randn({B, N, b, d}, 8, DType::F32), grad_offsets_gpu = gpu(grad_offsets);
  const Tensor gm = kernels::vcc_refine_backward(grad_tokens, t.blocks, N, grad_offsets);
  const Tensor gm_gpu = kernels::vcc_refine_backward(gpu(grad_tokens), gpu(t.blocks), N, grad_offsets_gpu);
  EXPECT_TRUE(close_f32(gm_gpu, gm));
  EXPECT_TRUE(close_f32(grad_offsets_gpu, grad_offsets));
}

TEST(VccTreeGpu, RowGatherAndScatterAdd) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({B, N, d}, 9, DType::F32);
  const Tensor index = Tensor::from_vector<int64_t>({5, 1, 1, 0, 2, 3, 3, 3}, {B, 4});  // repeats
  EXPECT_TRUE(identical(kernels::gather_rows(gpu(x), gpu(index)), kernels::gather_rows(x, index)));
  const Tensor src = randn({B, 4, d}, 10, DType::F32);
  EXPECT_TRUE(identical(kernels::scatter_add_rows(gpu(src), gpu(index), N), kernels::scatter_add_rows(src, index, N)));
  const Tensor bad = Tensor::from_vector<int64_t>({0, 6}, {1, 2});
  EXPECT_THROW(kernels::gather_rows(gpu(x.narrow(0, 0, 1)), gpu(bad)), Error);
}
