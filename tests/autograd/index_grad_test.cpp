// Differentiable indexing ops: finite-difference gradient checks (float64), gradient
// accumulation through several split pieces, and deterministic backward with duplicates.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "test_util.h"

using namespace vcc;
using vcc::testing::randn;

namespace {

void expect_gradcheck(const std::function<Var(const std::vector<Var>&)>& fn, const std::vector<Var>& inputs) {
  GradCheckResult r = gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << r.report << " max abs error " << r.max_abs_error;
}

Tensor random_index(const Shape& shape, int64_t n, uint64_t seed, DType dtype = DType::I64) {
  std::vector<int64_t> v(shape.numel());
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(Philox::uniform_double(seed, 5, i) * n);
  return Tensor::from_vector<int64_t>(v, shape).to(dtype);
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor x = a.contiguous(), y = b.contiguous();
  return std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0;
}

}  // namespace

TEST(IndexGrad, GatherScatterAddsIntoRepeatedPositions) {
  Tensor index = random_index({3, 6, 4}, 5, 1);  // 6 picks from 5 rows: duplicates certain
  expect_gradcheck([&](const std::vector<Var>& in) { return gather(in[0], 1, index); }, {Var(randn({3, 5, 4}, 2), true)});
  // Row-broadcast index (the row-copy path), negative dim, int32.
  Tensor rows = random_index({3, 7, 1}, 5, 3, DType::I32).expand({3, 7, 4});
  expect_gradcheck([&](const std::vector<Var>& in) { return gather(in[0], -2, rows); }, {Var(randn({3, 5, 4}, 4), true)});
}

TEST(IndexGrad, ScatterAddToBaseAndSource) {
  Tensor index = random_index({2, 6, 3}, 4, 5);
  expect_gradcheck([&](const std::vector<Var>& in) { return scatter_add(in[0], 1, index, in[1]); },
                   {Var(randn({2, 4, 3}, 6), true), Var(randn({2, 6, 3}, 7), true)});
  Tensor rows = random_index({2, 6, 1}, 4, 8).expand({2, 6, 3});
  expect_gradcheck([&](const std::vector<Var>& in) { return scatter_add(in[0], -2, rows, in[1]); },
                   {Var(randn({2, 4, 3}, 9), true), Var(randn({2, 6, 3}, 10), true)});
}

TEST(IndexGrad, IndexSelectWithRepeatedIndices) {
  Tensor index = Tensor::from_vector<int64_t>({4, 0, 4, 2, 4}, {5});
  expect_gradcheck([&](const std::vector<Var>& in) { return index_select(in[0], 0, index); },
                   {Var(randn({5, 3}, 11), true)});
  expect_gradcheck([&](const std::vector<Var>& in) { return index_select(in[0], -1, index.to(DType::I32)); },
                   {Var(randn({2, 3, 6}, 12), true)});
}

TEST(IndexGrad, ConcatRoutesSlicesBack) {
  expect_gradcheck([](const std::vector<Var>& in) { return concat({in[0], in[1], in[2]}, 1); },
                   {Var(randn({2, 3, 4}, 13), true), Var(randn({2, 1, 4}, 14), true), Var(randn({2, 2, 4}, 15), true)});
  // An input that appears twice gets both slices' gradients.
  expect_gradcheck([](const std::vector<Var>& in) { return concat({in[0], in[1], in[0]}, -1); },
                   {Var(randn({3, 2}, 16), true), Var(randn({3, 5}, 17), false)});
}

TEST(IndexGrad, SplitPiecesSumIntoInput) {
  // Two pieces both used: their gradients land in disjoint parts of x.
  expect_gradcheck(
      [](const std::vector<Var>& in) {
        std::vector<Var> p = split(in[0], 1, {2, 3});
        return concat({p[1] * p[1], p[0] * 3.0}, 1);
      },
      {Var(randn({4, 5}, 18), true)});
  // Overlapping use: the same piece twice plus x itself.
  Var x(randn({6, 2}, 19), true);
  std::vector<Var> p = split(x, 0, {1, 5});
  Var y = concat({p[0], p[0], p[1], x}, 0);
  y.backward(Tensor::ones(y.shape(), DType::F64));
  std::vector<double> g = x.grad().to_vector<double>();
  EXPECT_EQ(g, (std::vector<double>{3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}));
}

TEST(IndexGrad, WhereReducesOverBroadcastDims) {
  Tensor cond = Tensor::from_vector<uint8_t>({1, 0, 1}, {3, 1});
  expect_gradcheck([&](const std::vector<Var>& in) { return where(cond, in[0], in[1]); },
                   {Var(randn({3, 4}, 20), true), Var(randn({4}, 21), true)});
  Tensor c64 = Tensor::from_vector<int64_t>({0, 3, 0, 1}, {4});
  expect_gradcheck([&](const std::vector<Var>& in) { return where(c64, in[0], in[1]); },
                   {Var(randn({2, 1}, 22), true), Var(randn({1, 4}, 23), true)});
}

TEST(IndexGrad, MaskedFillBlocksMaskedPositions) {
  Tensor mask = Tensor::from_vector<uint8_t>({0, 1, 1, 0}, {1, 4});
  expect_gradcheck([&](const std::vector<Var>& in) { return masked_fill(in[0], mask, -1000.0); },
                   {Var(randn({3, 4}, 24), true)});
  Var x(randn({2, 4}, 25), true);
  Var y = masked_fill(x, mask, 7.0);
  EXPECT_EQ(y.value().to_vector<double>()[1], 7.0);
  y.backward(Tensor::ones({2, 4}, DType::F64));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 0, 0, 1, 1, 0, 0, 1}));
}

TEST(IndexGrad, BackwardWithDuplicatesIsThreadCountIndependent) {
  Tensor sel = random_index({3000}, 50, 26);
  Tensor rows = random_index({2, 2000, 1}, 50, 27).expand({2, 2000, 256});
  auto grads = [&](int threads) {
    const int previous = num_threads();
    set_num_threads(threads);
    Var x(randn({50, 256}, 28, DType::F32), true);
    Var y(randn({2, 50, 256}, 29, DType::F32), true);
    index_select(x, 0, sel).backward(randn({3000, 256}, 30, DType::F32, 1e3));
    gather(y, 1, rows).backward(randn({2, 2000, 256}, 31, DType::F32, 1e3));
    set_num_threads(previous);
    return std::make_pair(x.grad(), y.grad());
  };
  auto one = grads(1), two = grads(2);
  EXPECT_TRUE(bitwise_equal(one.first, two.first));
  EXPECT_TRUE(bitwise_equal(one.second, two.second));
}

TEST(IndexOps, SortingOpsForwardToKernels) {
  Tensor v = Tensor::from_vector<float>({0, 1, 0, 1, 1, 0}, {1, 6});
  EXPECT_EQ(argsort(v, -1, true).to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 4, 0, 2, 5}));
  auto [values, indices] = topk(v, 2);
  EXPECT_EQ(indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(values.to_vector<float>(), (std::vector<float>{1, 1}));
}
