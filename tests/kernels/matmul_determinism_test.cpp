// GEMM results must not depend on the thread count (training runs are bit-reproducible).
#include <gtest/gtest.h>

#include <cstring>

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
