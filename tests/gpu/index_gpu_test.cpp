// Indexing and sorting kernels on the GPU against the CPU launchers (exact equality:
// these ops move values or add them in a fixed order), and the bad-index error.
#include <gtest/gtest.h>

#include "gpu_test_util.h"
#include "kernels/index.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using vcc::testing::rand_uniform;
using vcc::testing::randn;

namespace {
Tensor indices(const Shape& shape, int64_t limit, uint64_t seed, DType dt = DType::I64) {
  return rand_uniform(shape, seed, 0, static_cast<double>(limit)).to(dt);
}
}  // namespace

TEST(IndexGpu, GatherAlongEachDimAndIndexSelect) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({5, 8, 6}, 1, DType::F32);
  for (int dim : {0, 1, 2})
    for (DType it : {DType::I32, DType::I64}) {
      Shape s{4, 7, 5};
      s[dim] = 9;
      const Tensor index = indices(s, x.size(dim), 2 + dim, it);
      EXPECT_TRUE(identical(kernels::gather(gpu(x), dim, gpu(index)), kernels::gather(x, dim, index))) << dim;
      const Tensor flat = indices({11}, x.size(dim), 3 + dim, it);
      EXPECT_TRUE(identical(kernels::index_select(gpu(x), dim, gpu(flat)), kernels::index_select(x, dim, flat)))
          << dim;
    }
  // VCC's row gather of [B, N, D] with a broadcast index, in bfloat16 (any dtype moves).
  const Tensor rows = randn({2, 30, 16}, 4, DType::F32).to(DType::BF16);
  const Tensor idx = indices({2, 12, 1}, 30, 5).expand({2, 12, 16});
  EXPECT_TRUE(identical(kernels::gather(gpu(rows), 1, gpu(idx)), kernels::gather(rows, 1, idx)));
}

TEST(IndexGpu, ScatterAddAndIndexAddSumRepeatsInIndexOrder) {
  VCC_REQUIRE_GPU();
  const Tensor base = randn({4, 10, 6}, 6, DType::F32), src = randn({4, 25, 6}, 7, DType::F32);
  const Tensor index = indices({4, 25, 6}, 10, 8);  // many repeats
  EXPECT_TRUE(identical(kernels::scatter_add(gpu(base), 1, gpu(index), gpu(src)), kernels::scatter_add(base, 1, index, src)));
  Tensor out = Tensor::zeros({10, 6}), out_gpu = gpu(out);
  const Tensor rows = randn({40, 6}, 9, DType::F32), which = indices({40}, 10, 10);
  kernels::index_add_(out, 0, which, rows);
  kernels::index_add_(out_gpu, 0, gpu(which), gpu(rows));
  EXPECT_TRUE(identical(out_gpu, out));
}

TEST(IndexGpu, BadIndexRaisesTheCpusError) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({3, 4}, 11, DType::F32);
  const Tensor index = Tensor::from_vector<int64_t>({0, 2, 7, -1}, {1, 4});
  std::string cpu_message, gpu_message;
  try {
    kernels::gather(x, 1, index);
  } catch (const Error& e) {
    cpu_message = e.what();
  }
  try {
    kernels::gather(gpu(x), 1, gpu(index));
  } catch (const Error& e) {
    gpu_message = e.what();
  }
  ASSERT_FALSE(gpu_message.empty()) << "no error on the GPU";
  EXPECT_NE(gpu_message.find("index 7 is out of range"), std::string::npos) << gpu_message;
  EXPECT_NE(cpu_message.find("index 7 is out of range"), std::string::npos) << cpu_message;
}

TEST(IndexGpu, ConcatWhereAndMaskedFill) {
  VCC_REQUIRE_GPU();
  const Tensor a = randn({3, 4, 5}, 12, DType::F32), b = randn({3, 2, 5}, 13, DType::F32);
  const Tensor c = randn({3, 5, 3}, 14, DType::F32);  // joined as a non-contiguous [3, 3, 5] view
  EXPECT_TRUE(identical(kernels::concat({gpu(a), gpu(b), gpu(c).transpose(1, 2)}, 1),
                        kernels::concat({a, b, c.transpose(1, 2)}, 1)));
  const Tensor cond = indices({3, 1, 5}, 2, 15).to(DType::U8);
  EXPECT_TRUE(identical(kernels::where(gpu(cond), gpu(a), gpu(randn({4, 5}, 16, DType::F32))),
                        kernels::where(cond, a, randn({4, 5}, 16, DType::F32))));
  const Tensor mask = indices({4, 1}, 2, 17, DType::I32);
  EXPECT_TRUE(identical(kernels::masked_fill(gpu(a), gpu(mask), -1e9), kernels::masked_fill(a, mask, -1e9)));
}

TEST(SortGpu, ArgsortAndTopkGiveTheStableOrder) {
  VCC_REQUIRE_GPU();
  // Ties (values from a small set), NaN, and a strided axis.
  std::vector<float> v;
  for (int i = 0; i < 6 * 300; ++i) v.push_back(i % 37 == 0 ? NAN : static_cast<float>((i * 7919) % 13) * 0.5f);
  const Tensor x = Tensor::from_vector<float>(v, {6, 300});
  for (int dim : {0, 1})
    for (bool desc : {false, true}) {
      EXPECT_TRUE(identical(kernels::argsort(gpu(x), dim, desc), kernels::argsort(x, dim, desc))) << dim << desc;
      const int64_t k = dim == 1 ? 41 : 3;
      const auto [values, index] = kernels::topk(x, k, dim, desc);
      const auto [values_gpu, index_gpu] = kernels::topk(gpu(x), k, dim, desc);
      EXPECT_TRUE(identical(values_gpu, values)) << dim << desc;
      EXPECT_TRUE(identical(index_gpu, index)) << dim << desc;
    }
  const Tensor ints = indices({4, 1000}, 10, 18);
  EXPECT_TRUE(identical(kernels::argsort(gpu(ints), 1, true), kernels::argsort(ints, 1, true)));
}
