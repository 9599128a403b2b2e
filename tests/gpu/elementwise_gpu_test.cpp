// Element-wise kernels on the GPU against the CPU launchers: every unary op and its
// derivative, every binary op with broadcasting and its gradients, sum_to_shape, in-place
// updates; float32 and bfloat16.
#include <gtest/gtest.h>

#include "gpu_test_util.h"
#include "kernels/elementwise.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using kernels::BinaryOp;
using kernels::UnaryOp;
using vcc::testing::rand_uniform;
using vcc::testing::randn;

namespace {

struct UnaryCase {
  UnaryOp op;
  const char* name;
  double a;
  bool positive;  // domain needs x > 0
};

const UnaryCase kUnaryCases[] = {
    {UnaryOp::Neg, "neg", 0, false},          {UnaryOp::Exp, "exp", 0, false},
    {UnaryOp::Log, "log", 0, true},           {UnaryOp::Sqrt, "sqrt", 0, true},
    {UnaryOp::Rsqrt, "rsqrt", 0, true},       {UnaryOp::Tanh, "tanh", 0, false},
    {UnaryOp::Relu, "relu", 0, false},        {UnaryOp::GeluErf, "gelu", 0, false},
    {UnaryOp::GeluTanh, "gelu_tanh", 0, false}, {UnaryOp::Sigmoid, "sigmoid", 0, false},
    {UnaryOp::Abs, "abs", 0, false},          {UnaryOp::Square, "square", 0, false},
    {UnaryOp::Scale, "scale", -1.7, false},   {UnaryOp::AddScalar, "add_scalar", 0.3, false},
    {UnaryOp::Pow, "pow", 2.5, true},         {UnaryOp::Reciprocal, "reciprocal", 0, true},
};

Tensor unary_input(const UnaryCase& c, uint64_t seed, const Shape& shape) {
  return c.positive ? rand_uniform(shape, seed, 0.2, 3.0, DType::F32) : randn(shape, seed, DType::F32);
}

const BinaryOp kBinaryOps[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Max, BinaryOp::Min};

}  // namespace

class UnaryGpu : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(UnaryGpu, ForwardAndBackwardMatchTheCpu) {
  VCC_REQUIRE_GPU();
  const UnaryCase c = GetParam();
  const Tensor x = unary_input(c, 11, {7, 129}), g = randn({7, 129}, 12, DType::F32);
  const Tensor y = kernels::unary(c.op, x, c.a);
  const Tensor y_gpu = kernels::unary(c.op, gpu(x), c.a);
  EXPECT_TRUE(close_f32(y_gpu, y));
  // With the saved output and with it recomputed.
  EXPECT_TRUE(close_f32(kernels::unary_backward(c.op, gpu(x), y_gpu, gpu(g), c.a),
                        kernels::unary_backward(c.op, x, y, g, c.a)));
  EXPECT_TRUE(close_f32(kernels::unary_backward(c.op, gpu(x), Tensor(), gpu(g), c.a),
                        kernels::unary_backward(c.op, x, Tensor(), g, c.a)));
}

TEST_P(UnaryGpu, Bfloat16ComputesInFloatAndRoundsOnStore) {
  VCC_REQUIRE_GPU();
  const UnaryCase c = GetParam();
  const Tensor x = unary_input(c, 13, {5, 64}).to(DType::BF16).to(DType::F32);
  const Tensor g = randn_bf16_exact({5, 64}, 14);
  EXPECT_TRUE(close_bf16(kernels::unary(c.op, gpu(x).to(DType::BF16), c.a), kernels::unary(c.op, x, c.a)));
  EXPECT_TRUE(close_bf16(kernels::unary_backward(c.op, gpu(x).to(DType::BF16), Tensor(), gpu(g).to(DType::BF16), c.a),
                         kernels::unary_backward(c.op, x, Tensor(), g, c.a)));
}

INSTANTIATE_TEST_SUITE_P(AllUnaryOps, UnaryGpu, ::testing::ValuesIn(kUnaryCases),
                         [](const ::testing::TestParamInfo<UnaryCase>& info) { return std::string(info.param.name); });

TEST(BinaryGpu, EveryOpWithBroadcastingMatchesTheCpu) {
  VCC_REQUIRE_GPU();
  const Tensor a = randn({4, 1, 33}, 21, DType::F32), b = rand_uniform({5, 1}, 22, 0.5, 2.0, DType::F32);
  const Tensor g = randn({4, 5, 33}, 23, DType::F32);
  for (BinaryOp op : kBinaryOps) {
    const Tensor c = kernels::binary(op, a, b);
    EXPECT_TRUE(close_f32(kernels::binary(op, gpu(a), gpu(b)), c)) << static_cast<int>(op);
    Tensor ga, gb, ga_gpu, gb_gpu;
    kernels::binary_backward(op, a, b, g, &ga, &gb);
    kernels::binary_backward(op, gpu(a), gpu(b), gpu(g), &ga_gpu, &gb_gpu);
    EXPECT_TRUE(close_f32(ga_gpu, ga)) << static_cast<int>(op);
    EXPECT_TRUE(close_f32(gb_gpu, gb)) << static_cast<int>(op);
  }
}

TEST(BinaryGpu, StridedOperandsAndIntegersMatchTheCpu) {
  VCC_REQUIRE_GPU();
  const Tensor a = randn({6, 8}, 24, DType::F32).transpose(0, 1), b = randn({8, 6}, 25, DType::F32);
  EXPECT_TRUE(close_f32(kernels::binary(BinaryOp::Mul, gpu(a), gpu(b)), kernels::binary(BinaryOp::Mul, a, b)));
  const Tensor ia = rand_uniform({3, 10}, 26, -50, 50).to(DType::I64), ib = rand_uniform({10}, 27, 1, 9).to(DType::I64);
  for (BinaryOp op : kBinaryOps)
    EXPECT_TRUE(identical(kernels::binary(op, gpu(ia), gpu(ib)), kernels::binary(op, ia, ib))) << static_cast<int>(op);
}

TEST(BinaryGpu, Bfloat16MatchesFloatReference) {
  VCC_REQUIRE_GPU();
  const Tensor a = randn_bf16_exact({8, 40}, 28), b = randn_bf16_exact({40}, 29);
  for (BinaryOp op : {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Max, BinaryOp::Min})
    EXPECT_TRUE(close_bf16(kernels::binary(op, gpu(a).to(DType::BF16), gpu(b).to(DType::BF16)),
                           kernels::binary(op, a, b)))
        << static_cast<int>(op);
}

TEST(SumToShapeGpu, ReducesLeadingInnerAndMixedDims) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({6, 5, 300}, 31, DType::F32);
  for (const Shape& to : {Shape{300}, Shape{5, 1}, Shape{6, 1, 1}, Shape{1, 5, 300}, Shape{}, Shape{6, 5, 1}})
    EXPECT_TRUE(close_f32(kernels::sum_to_shape(gpu(x), to), kernels::sum_to_shape(x, to))) << to.str();
  // Long sums split into chunks (few outputs, many rows).
  const Tensor tall = randn({20000, 3}, 32, DType::F32);
  EXPECT_TRUE(close_f32(kernels::sum_to_shape(gpu(tall), {3}), kernels::sum_to_shape(tall, {3})));
}

TEST(InPlaceGpu, AddScaledAndScaleMatchTheCpu) {
  VCC_REQUIRE_GPU();
  Tensor d = randn({9, 17}, 41, DType::F32), d_gpu = gpu(d);
  const Tensor s = randn({17}, 42, DType::F32);
  kernels::add_inplace(d, s, -0.5);
  kernels::add_inplace(d_gpu, gpu(s), -0.5);
  EXPECT_TRUE(close_f32(d_gpu, d));
  kernels::scale_inplace(d, 3.25);
  kernels::scale_inplace(d_gpu, 3.25);
  EXPECT_TRUE(close_f32(d_gpu, d));
}
