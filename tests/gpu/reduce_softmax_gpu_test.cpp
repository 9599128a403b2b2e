// Reductions and softmax on the GPU against the CPU launchers, along contiguous and
// strided axes, with their backward.
#include <gtest/gtest.h>

#include <limits>

#include "gpu_test_util.h"
#include "kernels/reduce.h"
#include "kernels/softmax.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using vcc::testing::randn;

TEST(ReduceGpu, SumAndMeanAlongEveryAxis) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({7, 130, 9}, 1, DType::F32);
  for (int dim : {0, 1, 2, -1})
    for (bool keep : {false, true}) {
      EXPECT_TRUE(close_f32(kernels::sum(gpu(x), dim, keep), kernels::sum(x, dim, keep))) << dim << keep;
      EXPECT_TRUE(close_f32(kernels::mean(gpu(x), dim, keep), kernels::mean(x, dim, keep))) << dim << keep;
    }
  // Few long rows (a block per row) and long strided columns (chunked sums).
  const Tensor wide = randn({3, 50000}, 2, DType::F32), tall = randn({50000, 3}, 3, DType::F32);
  EXPECT_TRUE(close_f32(kernels::sum(gpu(wide), 1), kernels::sum(wide, 1)));
  EXPECT_TRUE(close_f32(kernels::sum(gpu(tall), 0), kernels::sum(tall, 0)));
  const Tensor b = randn_bf16_exact({6, 300}, 4);
  EXPECT_TRUE(close_bf16(kernels::sum(gpu(b).to(DType::BF16), 1), kernels::sum(b, 1)));
}

TEST(ReduceGpu, MaxAndArgmaxPickTheFirstMaximumAndPropagateNaN) {
  VCC_REQUIRE_GPU();
  std::vector<float> v = {1, 3, 3, 2, -1, -1, -5, -1, 0, 0, 0, 0};
  v.push_back(std::numeric_limits<float>::quiet_NaN());
  v.push_back(7);
  v.push_back(std::numeric_limits<float>::quiet_NaN());
  v.push_back(1);
  const Tensor x = Tensor::from_vector<float>(v, {4, 4});
  for (int dim : {0, 1}) {
    const auto [values, index] = kernels::max(x, dim);
    const auto [values_gpu, index_gpu] = kernels::max(gpu(x), dim);
    EXPECT_TRUE(identical(values_gpu, values)) << dim;
    EXPECT_TRUE(identical(index_gpu, index)) << dim;
  }
  const Tensor r = randn({5, 77, 6}, 5, DType::F32);
  for (int dim : {0, 1, 2}) EXPECT_TRUE(identical(kernels::argmax(gpu(r), dim), kernels::argmax(r, dim))) << dim;
  const Tensor ints = vcc::testing::rand_uniform({4, 90}, 6, 0, 5).to(DType::I64);  // many ties
  EXPECT_TRUE(identical(kernels::argmax(gpu(ints), 1), kernels::argmax(ints, 1)));
}

TEST(ReduceGpu, SumAllAndMaxBackward) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({300001}, 7, DType::F32);  // several fixed chunks plus a tail
  EXPECT_TRUE(close_f32(kernels::sum_all(gpu(x)), kernels::sum_all(x)));
  const Tensor y = randn({4, 9, 5}, 8, DType::F32), g = randn({4, 5}, 9, DType::F32);
  const Tensor index = kernels::argmax(y, 1);
  EXPECT_TRUE(identical(kernels::max_backward(gpu(g), gpu(index), y.shape(), 1), kernels::max_backward(g, index, y.shape(), 1)));
}

TEST(SoftmaxGpu, ForwardAndBackwardAlongRowsAndColumns) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({6, 40, 70}, 10, DType::F32), g = randn({6, 40, 70}, 11, DType::F32);
  for (int dim : {2, 1, 0})
    for (bool log : {false, true}) {
      const Tensor y = log ? kernels::log_softmax(x, dim) : kernels::softmax(x, dim);
      const Tensor y_gpu = log ? kernels::log_softmax(gpu(x), dim) : kernels::softmax(gpu(x), dim);
      EXPECT_TRUE(close_f32(y_gpu, y)) << dim << log;
      const Tensor dx = log ? kernels::log_softmax_backward(y, g, dim) : kernels::softmax_backward(y, g, dim);
      const Tensor dx_gpu =
          log ? kernels::log_softmax_backward(y_gpu, gpu(g), dim) : kernels::softmax_backward(y_gpu, gpu(g), dim);
      EXPECT_TRUE(close_f32(dx_gpu, dx)) << dim << log;
    }
  const Tensor long_rows = randn({2, 9000}, 12, DType::F32);  // a block per row
  EXPECT_TRUE(close_f32(kernels::softmax(gpu(long_rows), 1), kernels::softmax(long_rows, 1)));
  const Tensor b = randn_bf16_exact({8, 100}, 13);
  EXPECT_TRUE(close_bf16(kernels::softmax(gpu(b).to(DType::BF16), 1), kernels::softmax(b, 1)));
}
