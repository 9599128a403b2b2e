// Indexing and sorting kernels: values against hand-written expectations and naive loops,
// error messages, stable ordering, and thread-count independence of the accumulating ops.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "core/rng.h"
#include "kernels/index.h"
#include "test_util.h"

using namespace vcc;
using vcc::testing::randn;

namespace {

template <class T>
Tensor vec(std::vector<T> v, const Shape& shape) {
  return Tensor::from_vector<T>(v, shape);
}

// Random integers in [0, n) (duplicates likely), as int64 or int32.
Tensor random_index(const Shape& shape, int64_t n, uint64_t seed, DType dtype = DType::I64) {
  std::vector<int64_t> v(shape.numel());
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(Philox::uniform_double(seed, 5, i) * n);
  return Tensor::from_vector<int64_t>(v, shape).to(dtype);
}

// Runs fn and expects an Error whose message contains every fragment.
void expect_error(const std::function<void()>& fn, const std::vector<std::string>& fragments) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const std::string& f : fragments) EXPECT_NE(what.find(f), std::string::npos) << "'" << f << "' not in: " << what;
  }
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor x = a.contiguous(), y = b.contiguous();
  return std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0;
}

// Runs fn with the given thread count, restoring the previous one.
Tensor with_threads(int n, const std::function<Tensor()>& fn) {
  const int previous = num_threads();
  set_num_threads(n);
  Tensor t = fn();
  set_num_threads(previous);
  return t;
}

}  // namespace

// ---- gather ----

TEST(Gather, MatchesTorchSemanticsAlongDim1) {
  // x[i][j][k] = 100 i + 10 j + k, shape [2, 3, 2].
  std::vector<double> xv;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) xv.push_back(100 * i + 10 * j + k);
  Tensor x = vec(xv, {2, 3, 2});
  Tensor index = vec<int64_t>({2, 0, 1, 1, 0, 2, 2, 2}, {2, 2, 2});
  Tensor out = kernels::gather(x, 1, index);
  EXPECT_EQ(out.shape(), Shape({2, 2, 2}));
  EXPECT_EQ(out.to_vector<double>(), (std::vector<double>{20, 1, 10, 11, 100, 121, 120, 121}));
}

TEST(Gather, NegativeDimAndInt32IndicesAgree) {
  Tensor x = vec<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor idx64 = vec<int64_t>({2, 2, 0, 1}, {2, 2});
  Tensor out = kernels::gather(x, -1, idx64);
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{3, 3, 4, 5}));
  EXPECT_TRUE(bitwise_equal(kernels::gather(x, 1, idx64.to(DType::I32)), out));
}

TEST(Gather, IndexMayBeSmallerThanInputOutsideDim) {
  Tensor x = vec<int64_t>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  // Two rows, one column, along dim 0: out[i][0] = x[index[i][0]][0].
  Tensor out = kernels::gather(x, 0, vec<int64_t>({2, 1}, {2, 1}));
  EXPECT_EQ(out.to_vector<int64_t>(), (std::vector<int64_t>{7, 4}));
  // A row-broadcast index narrower than x in the last dim reads only the leading columns.
  Tensor y = randn({2, 5, 4}, 9);
  Tensor rows = vec<int64_t>({4, 0, 4, 1, 1, 3}, {2, 3, 1}).expand({2, 3, 2});
  std::vector<double> yv = y.to_vector<double>(), got = kernels::gather(y, 1, rows).to_vector<double>();
  std::vector<int64_t> rv = {4, 0, 4, 1, 1, 3};
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t c = 0; c < 2; ++c) EXPECT_EQ(got[(b * 3 + j) * 2 + c], yv[(b * 5 + rv[b * 3 + j]) * 4 + c]);
}

TEST(Gather, RowsOfBroadcastIndexMatchMaterialisedIndex) {
  // VCC's fine-block gather: x [B, N, D], index [B, k, 1] expanded over D (row-copy path) vs
  // the same index materialised (element path) vs a naive loop.
  const int64_t B = 3, N = 40, k = 17, D = 24;
  Tensor x = randn({B, N, D}, 11, DType::F32);
  Tensor rows = random_index({B, k, 1}, N, 12);
  Tensor expanded = rows.expand({B, k, D});
  Tensor fast = kernels::gather(x, 1, expanded);
  Tensor slow = kernels::gather(x, 1, expanded.contiguous());
  EXPECT_TRUE(bitwise_equal(fast, slow));
  std::vector<float> xv = x.to_vector<float>(), fv = fast.to_vector<float>();
  std::vector<int64_t> iv = rows.to_vector<int64_t>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < k; ++j)
      for (int64_t d = 0; d < D; ++d)
        ASSERT_EQ(fv[(b * k + j) * D + d], xv[(b * N + iv[b * k + j]) * D + d]) << b << " " << j << " " << d;
}

TEST(Gather, ReadsStridedInput) {
  Tensor base = randn({5, 4}, 3);
  Tensor xt = base.transpose(0, 1);  // [4, 5], non-contiguous
  Tensor index = vec<int32_t>({4, 0, 0, 3, 1, 2}, {2, 3});
  Tensor out = kernels::gather(xt, 1, index);
  Tensor ref = kernels::gather(xt.contiguous(), 1, index);
  EXPECT_TRUE(bitwise_equal(out, ref));
  EXPECT_EQ(out.to_vector<double>()[0], base.to_vector<double>()[4 * 4 + 0]);
}

TEST(Gather, OutOfRangeIndexIsNamed) {
  Tensor x = Tensor::zeros({2, 5, 3});
  Tensor index = Tensor::zeros({2, 4, 3}, DType::I64);
  int64_t* p = index.data<int64_t>();
  p[7] = 9;  // the first bad one in index order
  p[10] = 7;
  expect_error([&] { kernels::gather(x, 1, index); }, {"gather", "index 9", "dimension 1", "size 5", "float32[2,5,3]"});
  p[7] = -1;
  expect_error([&] { kernels::gather(x, 1, index); }, {"index -1", "size 5"});
  // The row-copy path reports the same way.
  expect_error([&] { kernels::gather(x, 1, vec<int32_t>({0, 5}, {1, 2, 1}).expand({1, 2, 3})); },
               {"gather", "index 5", "size 5"});
}

TEST(Gather, RejectsBadIndexTensors) {
  Tensor x = Tensor::zeros({2, 3});
  expect_error([&] { kernels::gather(x, 1, Tensor::zeros({2, 2}, DType::F32)); }, {"int32 or int64", "float32[2,2]"});
  expect_error([&] { kernels::gather(x, 1, Tensor::zeros({2}, DType::I64)); }, {"rank"});
  expect_error([&] { kernels::gather(x, 1, Tensor::zeros({3, 1}, DType::I64)); }, {"exceeds", "dimension 0"});
}

// ---- scatter_add / index_add ----

TEST(ScatterAdd, AccumulatesDuplicates) {
  Tensor base = vec<double>({1, 1, 1, 1, 1, 1}, {2, 3});
  Tensor index = vec<int64_t>({0, 0, 2, 1, 1, 1}, {2, 3});
  Tensor src = vec<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor out = kernels::scatter_add(base, -1, index, src);
  EXPECT_EQ(out.to_vector<double>(), (std::vector<double>{4, 1, 4, 1, 16, 1}));
  EXPECT_EQ(base.to_vector<double>(), std::vector<double>(6, 1.0));  // base untouched
  EXPECT_EQ(kernels::scatter_add(base, 1, index.to(DType::I32), src).to_vector<double>(), out.to_vector<double>());
}

TEST(ScatterAdd, AlongDim0OfRows) {
  Tensor base = Tensor::zeros({3, 2}, DType::I64);
  Tensor index = vec<int64_t>({2, 0, 2, 0}, {2, 2});
  Tensor src = vec<int64_t>({1, 2, 3, 4}, {2, 2});
  // out[index[i][j]][j] += src[i][j]
  EXPECT_EQ(kernels::scatter_add(base, 0, index, src).to_vector<int64_t>(), (std::vector<int64_t>{0, 6, 0, 0, 4, 0}));
}

TEST(ScatterAdd, OutOfRangeIndexIsNamed) {
  Tensor base = Tensor::zeros({4, 2});
  expect_error([&] { kernels::scatter_add(base, 0, vec<int64_t>({1, 4}, {1, 2}), Tensor::ones({1, 2})); },
               {"scatter_add", "index 4", "dimension 0", "size 4"});
  expect_error([&] { kernels::scatter_add(base, 0, vec<int64_t>({1, 3}, {1, 2}), Tensor::ones({2, 2})); },
               {"shape of index"});
}

TEST(IndexSelect, SelectsRowsAndColumns) {
  Tensor x = vec<float>({0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32}, {4, 3});
  EXPECT_EQ(kernels::index_select(x, 0, vec<int64_t>({3, 0, 3}, {3})).to_vector<float>(),
            (std::vector<float>{30, 31, 32, 0, 1, 2, 30, 31, 32}));
  Tensor cols = kernels::index_select(x, -1, vec<int32_t>({2, 0}, {2}));
  EXPECT_EQ(cols.shape(), Shape({4, 2}));
  EXPECT_EQ(cols.to_vector<float>(), (std::vector<float>{2, 0, 12, 10, 22, 20, 32, 30}));
  // Middle dim of a 3-D tensor, strided input.
  Tensor y = randn({3, 5, 4}, 8).transpose(0, 2);  // [4, 5, 3]
  Tensor sel = kernels::index_select(y, 1, vec<int64_t>({4, 4, 1}, {3}));
  std::vector<int64_t> full_index = {4, 4, 1};
  Tensor expanded = vec<int64_t>(full_index, {1, 3, 1}).expand({4, 3, 3});
  EXPECT_TRUE(bitwise_equal(sel, kernels::gather(y, 1, expanded)));
}

TEST(IndexSelect, OutOfRangeIndexIsNamed) {
  Tensor x = Tensor::zeros({4, 3});
  expect_error([&] { kernels::index_select(x, 0, vec<int64_t>({0, 6, 1}, {3})); },
               {"index_select", "index 6", "dimension 0", "size 4"});
  expect_error([&] { kernels::index_select(x, 0, vec<int64_t>({0, 1}, {1, 2})); }, {"1-D"});
}

TEST(IndexAdd, IsTheAdjointOfIndexSelect) {
  Tensor out = Tensor::zeros({3, 2}, DType::F64);
  Tensor src = vec<double>({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
  kernels::index_add_(out, 0, vec<int64_t>({2, 0, 2, 2}, {4}), src);
  EXPECT_EQ(out.to_vector<double>(), (std::vector<double>{3, 4, 0, 0, 13, 16}));
}

// Each output of a scatter-add must be the plain left-to-right sum in index order, for any
// thread count; random magnitudes make any reordering visible in float32.
TEST(ScatterAdd, DeterministicAcrossThreadCountsAndEqualToSequentialSum) {
  const int64_t B = 4, M = 64, J = 1024, D = 256;
  Tensor src = randn({B, J, D}, 21, DType::F32, 1e3).contiguous();
  Tensor base = randn({B, M, D}, 22, DType::F32);
  Tensor rows = random_index({B, J, 1}, M, 23).expand({B, J, D});  // row path
  Tensor elems = random_index({B, J, D}, M, 24);                      // element path
  for (const Tensor& index : {rows, elems}) {
    Tensor one = with_threads(1, [&] { return kernels::scatter_add(base, 1, index, src); });
    Tensor two = with_threads(2, [&] { return kernels::scatter_add(base, 1, index, src); });
    EXPECT_TRUE(bitwise_equal(one, two));
    std::vector<float> ref = base.to_vector<float>();
    std::vector<float> sv = src.to_vector<float>();
    std::vector<int64_t> iv = index.to_vector<int64_t>();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < J; ++j)
        for (int64_t d = 0; d < D; ++d) {
          const int64_t flat = (b * J + j) * D + d;
          ref[(b * M + iv[flat]) * D + d] += sv[flat];
        }
    EXPECT_TRUE(bitwise_equal(two, Tensor::from_vector<float>(ref, {B, M, D})));
  }
}

TEST(IndexAdd, DeterministicAcrossThreadCountsWithDuplicates) {
  const int64_t N = 64, J = 4096, D = 512;
  Tensor src = randn({J, D}, 31, DType::F32, 1e3);
  Tensor index = random_index({J}, N, 32);
  auto run = [&] {
    Tensor out = Tensor::zeros({N, D});
    kernels::index_add_(out, 0, index, src);
    return out;
  };
  Tensor one = with_threads(1, run), two = with_threads(2, run);
  EXPECT_TRUE(bitwise_equal(one, two));
  std::vector<float> ref(N * D, 0.0f), sv = src.to_vector<float>();
  std::vector<int64_t> iv = index.to_vector<int64_t>();
  for (int64_t j = 0; j < J; ++j)
    for (int64_t d = 0; d < D; ++d) ref[iv[j] * D + d] += sv[j * D + d];
  EXPECT_TRUE(bitwise_equal(two, Tensor::from_vector<float>(ref, {N, D})));
}

// ---- concat / split ----

TEST(Concat, JoinsAlongAnyDim) {
  Tensor a = vec<float>({1, 2, 3, 4}, {2, 2});
  Tensor b = vec<float>({5, 6}, {2, 1});
  Tensor c = vec<float>({7, 8, 9, 10, 11, 12}, {2, 3});
  Tensor out = kernels::concat({a, b, c}, -1);
  EXPECT_EQ(out.shape(), Shape({2, 6}));
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12}));
  Tensor rows = kernels::concat({a, vec<float>({0, 0}, {1, 2}), a}, 0);
  EXPECT_EQ(rows.to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 0, 0, 1, 2, 3, 4}));
}

TEST(Concat, MixesStridedAndEmptyInputsAndDtypes) {
  Tensor x = randn({3, 4, 5}, 41);
  Tensor t = randn({3, 5, 2}, 42).transpose(1, 2);  // [3, 2, 5], non-contiguous
  Tensor e = Tensor::zeros({3, 0, 5}, DType::F64);
  Tensor out = kernels::concat({x, e, t, x}, 1);
  EXPECT_EQ(out.shape(), Shape({3, 10, 5}));
  EXPECT_TRUE(bitwise_equal(out.narrow(1, 0, 4), x));
  EXPECT_TRUE(bitwise_equal(out.narrow(1, 4, 2), t));
  EXPECT_TRUE(bitwise_equal(out.narrow(1, 6, 4), x));
  Tensor u = kernels::concat({vec<uint8_t>({1, 0}, {2}), vec<uint8_t>({1}, {1})}, 0);
  EXPECT_EQ(u.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 1}));
}

TEST(Concat, RejectsMismatchedInputs) {
  expect_error([&] { kernels::concat({Tensor::zeros({2, 3}), Tensor::zeros({3, 3})}, 1); },
               {"input 1", "float32[3,3]", "float32[2,3]", "outside dimension 1"});
  expect_error([&] { kernels::concat({Tensor::zeros({2}), Tensor::zeros({2}, DType::F64)}, 0); }, {"float64[2]"});
}

TEST(Split, ReturnsViewsOfConsecutivePieces) {
  Tensor x = randn({2, 7}, 51);
  std::vector<Tensor> pieces = kernels::split(x, -1, {3, 0, 4});
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].shape(), Shape({2, 3}));
  EXPECT_EQ(pieces[1].shape(), Shape({2, 0}));
  EXPECT_EQ(pieces[2].shape(), Shape({2, 4}));
  EXPECT_TRUE(pieces[2].same_storage(x));
  EXPECT_EQ(pieces[2].to_vector<double>()[0], x.to_vector<double>()[3]);
  EXPECT_TRUE(bitwise_equal(kernels::concat(pieces, 1), x));
  expect_error([&] { kernels::split(x, 1, {3, 3}); }, {"add up to 6", "float64[2,7]", "7"});
}

// ---- where / masked_fill ----

TEST(Where, BroadcastsConditionAndValues) {
  Tensor cond = vec<uint8_t>({1, 0}, {2, 1});
  Tensor a = vec<float>({1, 2, 3}, {1, 3});
  Tensor b = Tensor::full({}, -1.0);
  Tensor out = kernels::where(cond, a, b);
  EXPECT_EQ(out.shape(), Shape({2, 3}));
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{1, 2, 3, -1, -1, -1}));
  // int32 / int64 conditions, any nonzero value is true.
  Tensor c32 = vec<int32_t>({0, 5, -2}, {3});
  Tensor x = vec<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor y = vec<double>({10, 20, 30}, {3});
  EXPECT_EQ(kernels::where(c32, x, y).to_vector<double>(), (std::vector<double>{10, 2, 3, 10, 5, 6}));
  EXPECT_EQ(kernels::where(c32.to(DType::I64), y, x).to_vector<double>(),
            (std::vector<double>{1, 20, 30, 4, 20, 30}));
}

TEST(Where, RejectsBadOperands) {
  expect_error([&] { kernels::where(Tensor::zeros({2}), Tensor::zeros({2}), Tensor::zeros({2})); },
               {"uint8, int32 or int64", "float32[2]"});
  expect_error(
      [&] { kernels::where(Tensor::zeros({2}, DType::U8), Tensor::zeros({2}), Tensor::zeros({2}, DType::F64)); },
      {"differ in dtype"});
  expect_error([&] { kernels::where(Tensor::zeros({3}, DType::U8), Tensor::zeros({2}), Tensor::zeros({2})); },
               {"[3]", "[2]", "broadcast"});
}

TEST(MaskedFill, FillsWhereMaskIsSet) {
  Tensor x = vec<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor mask = vec<uint8_t>({0, 1, 1}, {3});
  EXPECT_EQ(kernels::masked_fill(x, mask, -1e4).to_vector<float>(), (std::vector<float>{1, -1e4, -1e4, 4, -1e4, -1e4}));
  Tensor strided = x.transpose(0, 1);  // [3, 2]
  Tensor m2 = vec<int64_t>({1, 0}, {2});
  EXPECT_EQ(kernels::masked_fill(strided, m2, 0).to_vector<float>(), (std::vector<float>{0, 4, 0, 5, 0, 6}));
  // One condition per row, over contiguous and strided rows.
  Tensor rows = vec<uint8_t>({1, 0, 1}, {3, 1});
  EXPECT_EQ(kernels::masked_fill(strided, rows, 9).to_vector<float>(), (std::vector<float>{9, 9, 2, 5, 9, 9}));
  EXPECT_EQ(kernels::masked_fill(strided.contiguous(), rows, 9).to_vector<float>(),
            (std::vector<float>{9, 9, 2, 5, 9, 9}));
  expect_error([&] { kernels::masked_fill(x, Tensor::zeros({4, 2, 3}, DType::U8), 0); },
               {"masked_fill", "uint8[4,2,3]", "float32[2,3]"});
}

// ---- argsort / topk ----

TEST(Argsort, StableOnImportanceMask) {
  Tensor v = vec<float>({0, 1, 0, 1, 1, 0}, {6});
  EXPECT_EQ(kernels::argsort(v, -1, true).to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 4, 0, 2, 5}));
  EXPECT_EQ(kernels::argsort(v, 0, false).to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 5, 1, 3, 4}));
  Tensor u8 = vec<uint8_t>({0, 1, 0, 1, 1, 0}, {6});
  EXPECT_EQ(kernels::argsort(u8, 0, true).to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 4, 0, 2, 5}));
}

TEST(Argsort, NaNSortsLastInBothDirections) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  Tensor x = vec<double>({3, nan, 1, 3, -inf, nan, -0.0, 0.0}, {8});
  EXPECT_EQ(kernels::argsort(x, 0, false).to_vector<int64_t>(), (std::vector<int64_t>{4, 6, 7, 2, 0, 3, 1, 5}));
  EXPECT_EQ(kernels::argsort(x, 0, true).to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 2, 6, 7, 4, 1, 5}));
}

TEST(Argsort, SortsAlongLeadingAndStridedDims) {
  Tensor x = vec<int32_t>({5, 1, 9, 5, 1, 2, 0, 7, 9}, {3, 3});
  // Along dim 0 (columns): [5,5,0] -> asc [2,0,1]; [1,1,7] -> [0,1,2]; [9,2,9] -> [1,0,2].
  EXPECT_EQ(kernels::argsort(x, 0, false).to_vector<int64_t>(), (std::vector<int64_t>{2, 0, 1, 0, 1, 0, 1, 2, 2}));
  Tensor xt = x.transpose(0, 1);  // rows of xt are the columns of x
  EXPECT_EQ(kernels::argsort(xt, 1, true).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 2, 0, 1, 0, 2, 1}));
}

TEST(Argsort, MatchesStableSortOnManyTies) {
  const int64_t rows = 3, n = 5000;
  Tensor keys = random_index({rows, n}, 10, 61).to(DType::F32);
  for (bool descending : {false, true}) {
    std::vector<int64_t> got = kernels::argsort(keys, 1, descending).to_vector<int64_t>();
    std::vector<float> kv = keys.to_vector<float>();
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int64_t> ref(n);
      std::iota(ref.begin(), ref.end(), 0);
      const float* k = kv.data() + r * n;
      std::stable_sort(ref.begin(), ref.end(),
                       [&](int64_t a, int64_t b) { return descending ? k[a] > k[b] : k[a] < k[b]; });
      ASSERT_TRUE(std::equal(ref.begin(), ref.end(), got.begin() + r * n)) << "row " << r << " desc " << descending;
    }
  }
}

TEST(Topk, BestFirstWithTiesToLowerIndex) {
  Tensor x = vec<float>({5, 7, 7, 1, 7}, {5});
  auto [v, i] = kernels::topk(x, 2, 0, true);
  EXPECT_EQ(v.to_vector<float>(), (std::vector<float>{7, 7}));
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
  auto [vs, is] = kernels::topk(x, 3, -1, false);
  EXPECT_EQ(vs.to_vector<float>(), (std::vector<float>{1, 5, 7}));
  EXPECT_EQ(is.to_vector<int64_t>(), (std::vector<int64_t>{3, 0, 1}));
  auto [v0, i0] = kernels::topk(x, 0, 0, true);
  EXPECT_EQ(v0.numel(), 0);
}

TEST(Topk, EqualsLeadingEntriesOfArgsort) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = random_index({6, 300}, 7, 71).to(DType::F64);
  x.data<double>()[5] = nan;
  for (int dim : {0, 1}) {
    for (bool largest : {true, false}) {
      const int64_t k = dim == 0 ? 4 : 37;
      auto [values, indices] = kernels::topk(x, k, dim, largest);
      Tensor order = kernels::argsort(x, dim, largest).narrow(dim, 0, k);
      EXPECT_TRUE(bitwise_equal(indices, order.contiguous())) << "dim " << dim << " largest " << largest;
      EXPECT_TRUE(bitwise_equal(values, kernels::gather(x, dim, order)));
    }
  }
}

TEST(Topk, KLargerThanSizeIsAnError) {
  expect_error([&] { kernels::topk(Tensor::zeros({2, 3}), 4, 1, true); },
               {"topk", "k = 4", "dimension 1", "size 3", "float32[2,3]"});
}
