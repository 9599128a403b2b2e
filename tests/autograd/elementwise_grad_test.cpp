#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "kernels/elementwise.h"
#include "kernels/matmul.h"
#include "test_util.h"

using namespace vcc;
using kernels::UnaryOp;
using vcc::testing::randn;

namespace {

void expect_gradcheck(const std::function<Var(const std::vector<Var>&)>& fn, const std::vector<Var>& inputs) {
  GradCheckResult r = gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << r.report << " max abs error " << r.max_abs_error;
}

}  // namespace

struct UnaryCase {
  UnaryOp op;
  const char* name;
  double a;
  bool positive;  // domain needs x > 0
};

class UnaryGrad : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(UnaryGrad, MatchesFiniteDifferences) {
  const UnaryCase c = GetParam();
  Tensor x = c.positive ? vcc::testing::rand_uniform({3, 7}, 3, 0.2, 3.0) : randn({3, 7}, 3);
  expect_gradcheck([&](const std::vector<Var>& in) { return unary(c.op, in[0], c.a); }, {Var(x, true)});
}

INSTANTIATE_TEST_SUITE_P(
    AllUnaryOps, UnaryGrad,
    ::testing::Values(UnaryCase{UnaryOp::Neg, "neg", 0, false}, UnaryCase{UnaryOp::Exp, "exp", 0, false},
                      UnaryCase{UnaryOp::Log, "log", 0, true}, UnaryCase{UnaryOp::Sqrt, "sqrt", 0, true},
                      UnaryCase{UnaryOp::Rsqrt, "rsqrt", 0, true}, UnaryCase{UnaryOp::Tanh, "tanh", 0, false},
                      UnaryCase{UnaryOp::Relu, "relu", 0, false}, UnaryCase{UnaryOp::GeluErf, "gelu", 0, false},
                      UnaryCase{UnaryOp::GeluTanh, "gelu_tanh", 0, false},
                      UnaryCase{UnaryOp::Sigmoid, "sigmoid", 0, false}, UnaryCase{UnaryOp::Abs, "abs", 0, false},
                      UnaryCase{UnaryOp::Square, "square", 0, false}, UnaryCase{UnaryOp::Scale, "scale", -1.7, false},
                      UnaryCase{UnaryOp::AddScalar, "add_scalar", 0.3, false},
                      UnaryCase{UnaryOp::Pow, "pow", 2.5, true},
                      UnaryCase{UnaryOp::Reciprocal, "reciprocal", 0, true}),
    [](const ::testing::TestParamInfo<UnaryCase>& info) { return std::string(info.param.name); });

TEST(UnaryValues, MatchHandComputedValues) {
  Tensor x = Tensor::from_vector<double>({-1.0, 0.0, 0.5, 2.0}, {4});
  auto values = [&](UnaryOp op, double a = 0) { return kernels::unary(op, x, a).to_vector<double>(); };
  std::vector<double> gelu = values(UnaryOp::GeluErf);
  EXPECT_NEAR(gelu[0], -0.15865525393145707, 1e-15);
  EXPECT_NEAR(gelu[3], 1.9544997361036416, 1e-15);
  std::vector<double> gelu_tanh = values(UnaryOp::GeluTanh);
  EXPECT_NEAR(gelu_tanh[0], -0.15880800939172324, 1e-15);
  EXPECT_NEAR(gelu_tanh[2], 0.34571400982514394, 1e-15);
  EXPECT_EQ(values(UnaryOp::Relu), (std::vector<double>{0, 0, 0.5, 2}));
  EXPECT_NEAR(values(UnaryOp::Sigmoid)[0], 0.2689414213699951, 1e-15);
  EXPECT_NEAR(values(UnaryOp::Pow, 3.0)[3], 8.0, 1e-15);
}

TEST(BinaryGrad, BroadcastingOpsMatchFiniteDifferences) {
  for (auto op : {kernels::BinaryOp::Add, kernels::BinaryOp::Sub, kernels::BinaryOp::Mul, kernels::BinaryOp::Div,
                  kernels::BinaryOp::Max, kernels::BinaryOp::Min}) {
    Tensor a = randn({2, 3, 4}, 5), b = vcc::testing::rand_uniform({3, 1}, 6, 0.5, 2.0);
    expect_gradcheck([&](const std::vector<Var>& in) { return binary(op, in[0], in[1]); },
                     {Var(a, true), Var(b, true)});
  }
}

TEST(BinaryValues, BroadcastLikeNumpy) {
  Tensor a = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = Tensor::from_vector<float>({10, 20, 30}, {3});
  Tensor c = Tensor::from_vector<float>({100, 200}, {2, 1});
  EXPECT_EQ(kernels::binary(kernels::BinaryOp::Add, a, b).to_vector<float>(),
            (std::vector<float>{11, 22, 33, 14, 25, 36}));
  EXPECT_EQ(kernels::binary(kernels::BinaryOp::Mul, a, c).to_vector<float>(),
            (std::vector<float>{100, 200, 300, 800, 1000, 1200}));
  EXPECT_EQ(kernels::sum_to_shape(a, {3}).to_vector<float>(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(kernels::sum_to_shape(a, {2, 1}).to_vector<float>(), (std::vector<float>{6, 15}));
  EXPECT_THROW(kernels::binary(kernels::BinaryOp::Add, a, Tensor::zeros({4})), Error);
}

TEST(MatmulGrad, AllTransposeCombinationsAndBatchBroadcast) {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor a = randn(ta ? Shape{2, 4, 3} : Shape{2, 3, 4}, 7);
      Tensor b = randn(tb ? Shape{5, 4} : Shape{4, 5}, 8);
      expect_gradcheck([&](const std::vector<Var>& in) { return matmul(in[0], in[1], ta, tb, 0.7); },
                       {Var(a, true), Var(b, true)});
    }
}

TEST(MatmulValues, MatchNaiveProduct) {
  Tensor a = randn({3, 5, 6}, 9), b = randn({3, 6, 4}, 10);
  Tensor c = kernels::matmul(a, b);
  std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>(), cv = c.to_vector<double>();
  double max_err = 0;
  for (int n = 0; n < 3; ++n)
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 4; ++j) {
        double s = 0;
        for (int k = 0; k < 6; ++k) s += av[n * 30 + i * 6 + k] * bv[n * 24 + k * 4 + j];
        max_err = std::max(max_err, std::fabs(s - cv[n * 20 + i * 4 + j]));
      }
  EXPECT_LT(max_err, 1e-13);
  // Strided (transposed) views go to BLAS without copies and give the same result.
  Tensor at = a.transpose(1, 2).contiguous().transpose(1, 2);
  EXPECT_LT(vcc::testing::max_abs_diff(kernels::matmul(at, b), c), 1e-13);
}

TEST(LinearGrad, WithAndWithoutBias) {
  Tensor x = randn({2, 3, 4}, 11), w = randn({5, 4}, 12), b = randn({5}, 13);
  expect_gradcheck([&](const std::vector<Var>& in) { return linear(in[0], in[1], in[2]); },
                   {Var(x, true), Var(w, true), Var(b, true)});
  expect_gradcheck([&](const std::vector<Var>& in) { return linear(in[0], in[1]); }, {Var(x, true), Var(w, true)});
}

TEST(ShapeGrad, ViewsRouteGradientsBack) {
  Tensor x = randn({2, 3, 4}, 14);
  auto check = [&](std::function<Var(const Var&)> f) {
    expect_gradcheck([&](const std::vector<Var>& in) { return f(in[0]) * f(in[0]); }, {Var(x, true)});
  };
  check([](const Var& v) { return reshape(v, {4, 6}); });
  check([](const Var& v) { return transpose(v, 0, 2); });
  check([](const Var& v) { return permute(v, {1, 2, 0}); });
  check([](const Var& v) { return narrow(v, 2, 1, 2); });
  check([](const Var& v) { return select(v, 1, -1); });
  check([](const Var& v) { return expand(unsqueeze(v, 0), {3, 2, 3, 4}); });
  check([](const Var& v) { return squeeze(unsqueeze(v, 1), 1); });
  check([](const Var& v) { return contiguous(transpose(v, 1, 2)); });
}

TEST(Autograd, AccumulatesIntoLeavesAcrossBackwardCalls) {
  Var x(Tensor::from_vector<double>({1.0, 2.0}, {2}), true);
  Var y = x * x;
  y.backward(Tensor::ones({2}, DType::F64));
  Var z = x * x;
  z.backward(Tensor::ones({2}, DType::F64));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{4.0, 8.0}));
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Var x(Tensor::from_vector<double>({1.0}, {1}), true);
  Var y;
  {
    NoGradGuard guard;
    y = x * x;
  }
  EXPECT_FALSE(y.requires_grad());
  EXPECT_THROW(y.backward(), Error);
}

TEST(Autograd, CheckpointGivesTheSameGradients) {
  Tensor x = randn({4, 6}, 21);
  Var w(randn({6, 6}, 22), true);
  auto region = [&](const std::vector<Var>& in) { return tanh(linear(in[0], w)) * in[0]; };
  Var x1(x, true);
  region({x1}).backward(Tensor::ones({4, 6}, DType::F64));
  Tensor gw1 = w.grad().clone(), gx1 = x1.grad().clone();
  w.zero_grad();
  Var x2(x, true);
  checkpoint(region, {x2}).backward(Tensor::ones({4, 6}, DType::F64));
  EXPECT_EQ(vcc::testing::max_abs_diff(w.grad(), gw1), 0.0);
  EXPECT_EQ(vcc::testing::max_abs_diff(x2.grad(), gx1), 0.0);
  // Parameters inside a region get gradients even when no region input requires them.
  w.zero_grad();
  checkpoint(region, {Var(x, false)}).backward(Tensor::ones({4, 6}, DType::F64));
  EXPECT_EQ(vcc::testing::max_abs_diff(w.grad(), gw1), 0.0);
}
