// Embedding: lookup values, the out-of-range error, the table gradient with repeated ids
// (finite differences, naive scatter-add) and its bitwise thread-count independence.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autograd/ops.h"
#include "kernels/embedding.h"
#include "op_test_util.h"
#include "test_util.h"

using namespace vcc;
using vcc::testing::all_close;
using vcc::testing::gradcheck_passes;
using vcc::testing::randn;

namespace {

Tensor random_ids(const Shape& shape, int64_t vocab, uint64_t seed) {
  std::vector<int64_t> v(shape.numel());
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(Philox::uniform_double(seed, 3, i) * vocab);
  return Tensor::from_vector<int64_t>(v, shape);
}

}  // namespace

TEST(Embedding, LooksUpRowsForIdsOfAnyShape) {
  Tensor table = Tensor::from_vector<float>({0, 1, 10, 11, 20, 21}, {3, 2});
  for (DType dt : {DType::I64, DType::I32}) {
    Tensor ids = Tensor::from_vector<int64_t>({2, 0, 2, 1}, {2, 2}).to(dt);
    Tensor out = kernels::embedding(table, ids);
    EXPECT_EQ(out.shape(), (Shape{2, 2, 2}));
    EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{20, 21, 0, 1, 20, 21, 10, 11}));
  }
}

TEST(Embedding, AnIdOutOfRangeIsAnErrorNamingTheIdAndVocabularySize) {
  Tensor table = Tensor::zeros({50, 4});
  for (int64_t bad : {50, -1}) {
    try {
      kernels::embedding(table, Tensor::from_vector<int64_t>({3, bad, 7}, {3}));
      ADD_FAILURE() << "no error for id " << bad;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("id " + std::to_string(bad)), std::string::npos) << what;
      EXPECT_NE(what.find("50 rows"), std::string::npos) << what;
    }
  }
}

TEST(EmbeddingGrad, TableGradientWithRepeatedIdsMatchesFiniteDifferences) {
  Tensor table = randn({5, 3}, 1);
  Tensor ids = Tensor::from_vector<int64_t>({4, 1, 4, 4, 0, 1}, {2, 3});
  EXPECT_TRUE(gradcheck_passes([&](const std::vector<Var>& in) { return embedding(in[0], ids); }, {Var(table, true)}));
}

TEST(EmbeddingGrad, BackwardIsANaiveScatterAddAndBitwiseTheSameOnOneAndTwoThreads) {
  const int64_t vocab = 1000, d = 128;
  Tensor ids = random_ids({8192}, vocab, 2);
  Tensor g = randn({8192, d}, 3, DType::F32);
  auto run = [&] { return kernels::embedding_backward(g, ids, vocab); };
  Tensor one = vcc::testing::on_threads(1, run), two = vcc::testing::on_threads(2, run);
  EXPECT_TRUE(vcc::testing::same_bits(one, two));
  std::vector<double> naive(vocab * d, 0.0), gv = g.to_vector<double>();
  std::vector<int64_t> iv = ids.to_vector<int64_t>();
  for (size_t k = 0; k < iv.size(); ++k)
    for (int64_t j = 0; j < d; ++j) naive[iv[k] * d + j] += gv[k * d + j];
  EXPECT_TRUE(all_close(one, Tensor::from_vector<double>(naive, {vocab, d}), 1e-5, 1e-6));
}
