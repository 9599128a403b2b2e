// GEMM results must not depend on the thread count (training runs are bit-reproducible).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <tuple>

#include "core/parallel.h"
#include "kernels/matmul.h"
#include "test_util.h"

using namespace vcc;

TEST(MatmulDeterminism, BitIdenticalForOneAndTwoThreads) {
  const int before = num_threads();
  // Shapes that split into several tiles by rows, by columns, and a batched product.
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{1024, 512}, {512, 1024}}, {{64, 2048}, {2048, 4096}}, {{6, 256, 300}, {6, 300, 200}}};
  for (const auto& [sa, sb] : cases) {
    Tensor a = vcc::testing::randn(sa, 1, DType::F32), b = vcc::testing::randn(sb, 2, DType::F32);
    set_num_threads(1);
    Tensor one = kernels::matmul(a, b);
    set_num_threads(2);
    Tensor two = kernels::matmul(a, b);
    EXPECT_EQ(std::memcmp(one.raw_data(), two.raw_data(), one.nbytes()), 0) << sa.str() << " @ " << sb.str();
    // And the tiles really compute the product.
    Tensor ref = kernels::matmul(a.to(DType::F64), b.to(DType::F64));
    EXPECT_TRUE(vcc::testing::all_close(two, ref, 1e-3, 1e-4));
  }
  set_num_threads(before);
}

// bfloat16 GEMMs (oneDNN, run as shape-fixed single-threaded tiles) likewise; and each
// element is the float32-accumulated product of the bf16 operands rounded once: within one
// bf16 rounding (2^-8 relative) plus float32 accumulation error of the exact product.
TEST(MatmulDeterminism, Bf16BitIdenticalForOneAndTwoThreadsAndWithinOneRounding) {
  const int before = num_threads();
  const std::vector<std::tuple<Shape, Shape, bool>> cases = {{{1024, 512}, {1024, 512}, true},
                                                             {{64, 2048}, {2048, 1024}, false},
                                                             {{6, 256, 300}, {6, 300, 200}, false}};
  for (const auto& [sa, sb, trans_b] : cases) {
    const Tensor a = vcc::testing::randn(sa, 3, DType::F32).to(DType::BF16);
    const Tensor b = vcc::testing::randn(sb, 4, DType::F32).to(DType::BF16);
    set_num_threads(1);
    const Tensor one = kernels::matmul(a, b, false, trans_b, 0.5);
    set_num_threads(2);
    const Tensor two = kernels::matmul(a, b, false, trans_b, 0.5);
    ASSERT_EQ(two.dtype(), DType::BF16);
    EXPECT_EQ(std::memcmp(one.raw_data(), two.raw_data(), one.nbytes()), 0) << sa.str() << " @ " << sb.str();
    const Tensor exact = kernels::matmul(a.to(DType::F64), b.to(DType::F64), false, trans_b, 0.5);
    const std::vector<double> got = two.to(DType::F64).to_vector<double>(), want = exact.to_vector<double>();
    const double k = static_cast<double>(trans_b ? sb[sb.size() - 1] : sb[sb.size() - 2]);
    size_t bad = 0;
    for (size_t i = 0; i < got.size(); ++i)
      bad += std::abs(got[i] - want[i]) > std::abs(want[i]) * 0x1p-8 + 0.5 * k * 0x1p-23 * 4.0;
    EXPECT_EQ(bad, 0u) << sa.str() << " @ " << sb.str();
  }
  set_num_threads(before);
}
