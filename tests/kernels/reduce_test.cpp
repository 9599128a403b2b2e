// Reductions: sum/mean/max/argmax along every axis against naive float64 loops, ties and
// NaN, sum_all's thread-count independence, and finite-difference gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "autograd/ops.h"
#include "kernels/reduce.h"
#include "op_test_util.h"
#include "test_util.h"

using namespace vcc;
using vcc::testing::all_close;
using vcc::testing::gradcheck_passes;
using vcc::testing::randn;

namespace {

enum class Naive { Sum, Mean, Max, Argmax };

// Reduction of x along d by plain loops over the row-major layout.
std::vector<double> naive_reduce(const Tensor& x, int d, Naive op) {
  std::vector<double> v = x.to_vector<double>();
  int64_t outer = 1, n = x.size(d), inner = 1;
  for (int i = 0; i < d; ++i) outer *= x.size(i);
  for (int i = d + 1; i < x.dim(); ++i) inner *= x.size(i);
  std::vector<double> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double s = 0, best = -INFINITY;
      int64_t arg = 0;
      for (int64_t r = 0; r < n; ++r) {
        const double e = v[(o * n + r) * inner + i];
        s += e;
        if (e > best) best = e, arg = r;
      }
      out.push_back(op == Naive::Sum ? s : op == Naive::Mean ? s / n : op == Naive::Max ? best : double(arg));
    }
  return out;
}

Tensor expected(const Tensor& x, int d, bool keepdim, Naive op) {
  Shape s = x.shape();
  if (keepdim)
    s[d] = 1;
  else
    s.erase(d);
  return Tensor::from_vector<double>(naive_reduce(x, d, op), s);
}

}  // namespace

TEST(Reduce, SumMeanMaxArgmaxMatchNaiveLoopsAlongEveryAxis) {
  // 130 columns: the strided path's 64-column blocks end mid-row.
  for (Shape shape : {Shape{3, 4, 5}, Shape{2, 7, 130}, Shape{9}})
    for (DType dt : {DType::F64, DType::F32}) {
      Tensor x = randn(shape, 1, dt);
      const double tol = dt == DType::F64 ? 1e-13 : 1e-5;
      for (int d = 0; d < x.dim(); ++d)
        for (bool keep : {false, true}) {
          SCOPED_TRACE(x.describe() + " dim " + std::to_string(d) + (keep ? " keepdim" : ""));
          EXPECT_TRUE(all_close(kernels::sum(x, d, keep), expected(x, d, keep, Naive::Sum), tol, tol));
          EXPECT_TRUE(all_close(kernels::mean(x, d, keep), expected(x, d, keep, Naive::Mean), tol, tol));
          auto [values, index] = kernels::max(x, d, keep);
          EXPECT_TRUE(all_close(values, expected(x, d, keep, Naive::Max), 0.0));
          EXPECT_TRUE(all_close(index, expected(x, d, keep, Naive::Argmax), 0.0));
          EXPECT_EQ(index.dtype(), DType::I64);
        }
    }
}

TEST(Reduce, NegativeDimAndStridedInputs) {
  Tensor x = randn({4, 6}, 2);
  Tensor xt = x.transpose(0, 1);  // [6, 4] view, not contiguous
  EXPECT_TRUE(all_close(kernels::sum(xt, -1), expected(xt.contiguous(), 1, false, Naive::Sum), 1e-14));
  EXPECT_TRUE(all_close(kernels::sum(x, -2, true), expected(x, 0, true, Naive::Sum), 1e-14));
}

TEST(Reduce, MaxAndArgmaxTakeTheFirstIndexOnTies) {
  Tensor x = Tensor::from_vector<float>({1, 3, 3, 0, /**/ 2, 2, 2, 2}, {2, 4});
  EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(kernels::max(x, 1).second.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  // Along a strided axis too.
  Tensor y = Tensor::from_vector<float>({5, 1, 5, 7, 0, 7}, {3, 2});
  EXPECT_EQ(argmax(y, 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
  // Integer tensors.
  Tensor ids = Tensor::from_vector<int64_t>({4, 9, 9, 2}, {4});
  EXPECT_EQ(argmax(ids, 0).item<int64_t>(), 1);
}

TEST(Reduce, NaNIsTheMaximum) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::from_vector<float>({1, nan, 5, nan}, {1, 4});
  auto [values, index] = kernels::max(x, 1);
  EXPECT_TRUE(std::isnan(values.item<float>()));
  EXPECT_EQ(index.item<int64_t>(), 1);
}

TEST(Reduce, MaxOfAnEmptyAxisIsAnError) {
  EXPECT_THROW(kernels::max(Tensor::zeros({3, 0}), 1), Error);
}

TEST(SumAll, MatchesFloat64AndIsBitwiseTheSameOnOneAndTwoThreads) {
  // Several fixed chunks, so two threads really split the work.
  Tensor x = randn({300001}, 3, DType::F32);
  Tensor one = vcc::testing::on_threads(1, [&] { return kernels::sum_all(x); });
  Tensor two = vcc::testing::on_threads(2, [&] { return kernels::sum_all(x); });
  EXPECT_TRUE(vcc::testing::same_bits(one, two));
  EXPECT_EQ(one.shape(), Shape{});
  double naive = 0;
  for (double v : x.to_vector<double>()) naive += v;
  // Accumulated in double: within the float rounding of the result.
  EXPECT_NEAR(one.item<float>(), naive, 1e-6 * std::fabs(naive) + 1e-4);
}

TEST(ReduceGrad, SumAndMeanAlongEachAxisMatchFiniteDifferences) {
  Tensor x = randn({3, 4, 5}, 4);
  for (int d = -3; d < 3; ++d)
    for (bool keep : {false, true}) {
      SCOPED_TRACE("dim " + std::to_string(d) + (keep ? " keepdim" : ""));
      EXPECT_TRUE(gradcheck_passes([&](const std::vector<Var>& in) { return sum(in[0], d, keep); }, {Var(x, true)}));
      EXPECT_TRUE(gradcheck_passes([&](const std::vector<Var>& in) { return mean(in[0], d, keep); }, {Var(x, true)}));
    }
}

TEST(ReduceGrad, SumAllAndMeanAllMatchFiniteDifferences) {
  Tensor x = randn({2, 3, 4}, 5);
  EXPECT_TRUE(gradcheck_passes([](const std::vector<Var>& in) { return sum_all(in[0]); }, {Var(x, true)}));
  EXPECT_TRUE(gradcheck_passes([](const std::vector<Var>& in) { return mean_all(in[0]); }, {Var(x, true)}));
  // Composed: mean of squares.
  EXPECT_TRUE(gradcheck_passes([](const std::vector<Var>& in) { return mean_all(in[0] * in[0]); }, {Var(x, true)}));
}

TEST(ReduceGrad, MaxMatchesFiniteDifferences) {
  Tensor x = randn({3, 4, 70}, 6);  // distinct values: max is differentiable
  for (int d = 0; d < 3; ++d)
    for (bool keep : {false, true})
      EXPECT_TRUE(gradcheck_passes([&](const std::vector<Var>& in) { return max(in[0], d, keep); }, {Var(x, true)}))
          << "dim " << d;
}

TEST(ReduceGrad, MaxSendsTheGradientToTheFirstMaximum) {
  Var x(Tensor::from_vector<double>({2, 7, 7, 1}, {1, 4}), true);
  Var m = max(x, 1);
  m.backward(Tensor::full({1}, 3.0, DType::F64));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 3, 0, 0}));
}
