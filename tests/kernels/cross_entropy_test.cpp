// Cross-entropy: hand-computed losses with ignore_index and label smoothing (PyTorch's
// rule), every reduction against a float64 reference, finite-difference gradients,
// strided logits, thread-count independence, and at most one [N, C] allocation.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "core/allocator.h"
#include "kernels/cross_entropy.h"
#include "op_test_util.h"
#include "test_util.h"

using namespace vcc;
using vcc::testing::all_close;
using vcc::testing::gradcheck_passes;
using vcc::testing::randn;

namespace {

Tensor targets_of(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>(v, {static_cast<int64_t>(v.size())}); }

// Per-row losses by the definition: (1 - e) * nll + e * mean_c(-log p_c); 0 where ignored.
std::vector<double> naive_rows(const Tensor& logits, const Tensor& targets, int64_t ignore, double e) {
  const int64_t n = logits.size(0), c = logits.size(1);
  std::vector<double> x = logits.to_vector<double>(), out(n, 0.0);
  std::vector<int64_t> t = targets.to_vector<int64_t>();
  for (int64_t r = 0; r < n; ++r) {
    if (t[r] == ignore) continue;
    double m = -INFINITY, s = 0, sum_neg_logp = 0;
    for (int64_t k = 0; k < c; ++k) m = std::max(m, x[r * c + k]);
    for (int64_t k = 0; k < c; ++k) s += std::exp(x[r * c + k] - m);
    const double lse = m + std::log(s);
    for (int64_t k = 0; k < c; ++k) sum_neg_logp += lse - x[r * c + k];
    out[r] = (1 - e) * (lse - x[r * c + t[r]]) + e * sum_neg_logp / c;
  }
  return out;
}

double naive_reduced(const Tensor& logits, const Tensor& targets, int64_t ignore, double e, Reduction red) {
  std::vector<double> rows = naive_rows(logits, targets, ignore, e);
  std::vector<int64_t> t = targets.to_vector<int64_t>();
  double sum = 0;
  int64_t count = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    sum += rows[r];
    count += t[r] != ignore;
  }
  return red == Reduction::Sum ? sum : (count ? sum / count : 0.0);
}

const char* name(Reduction r) { return r == Reduction::Mean ? "mean" : r == Reduction::Sum ? "sum" : "none"; }

}  // namespace

TEST(CrossEntropy, HandComputedLossesWithIgnoreIndexAndSmoothing) {
  // Rows: logits (1, 2, 3) target 2; an ignored row; (0, 0, 0) target 1.
  Tensor logits = Tensor::from_vector<double>({1, 2, 3, 5, 5, 5, 0, 0, 0}, {3, 3});
  Tensor targets = targets_of({2, -100, 1});
  const double lse = 3.4076059644443806;  // log(e + e^2 + e^3)
  const double nll0 = lse - 3, nll2 = std::log(3.0);
  Var x(logits);
  EXPECT_NEAR(cross_entropy(x, targets, -100, 0.0, Reduction::Mean).value().item<double>(), (nll0 + nll2) / 2, 1e-15);
  EXPECT_NEAR(cross_entropy(x, targets, -100, 0.0, Reduction::Sum).value().item<double>(), nll0 + nll2, 1e-15);
  EXPECT_EQ(cross_entropy(x, targets, -100, 0.0, Reduction::None).value().to_vector<double>(),
            (std::vector<double>{nll0, 0.0, nll2}));
  // Smoothing 0.1: (1 - e) nll + e mean_c(-log p_c); the uniform row's terms are all log 3.
  const double smooth0 = 0.9 * nll0 + 0.1 * (lse - 2);
  EXPECT_NEAR(cross_entropy(x, targets, -100, 0.1, Reduction::Mean).value().item<double>(), (smooth0 + nll2) / 2,
              1e-15);
  EXPECT_NEAR(smooth0, 0.5076059644443806, 1e-15);
}

TEST(CrossEntropy, EveryReductionMatchesTheFloat64Reference) {
  Tensor logits = randn({37, 11}, 1, DType::F64, 2.0);
  std::vector<int64_t> t(37);
  for (int64_t r = 0; r < 37; ++r) t[r] = r % 5 == 0 ? 3 : (r * 7) % 11;  // ignore_index 3 also a valid class
  Tensor targets = targets_of(t);
  for (double e : {0.0, 0.2})
    for (DType dt : {DType::F64, DType::F32}) {
      Var x(logits.to(dt));
      const double tol = dt == DType::F64 ? 1e-13 : 2e-6;
      SCOPED_TRACE("smoothing " + std::to_string(e) + " " + x.value().describe());
      for (Reduction red : {Reduction::Mean, Reduction::Sum})
        EXPECT_NEAR(cross_entropy(x, targets, 3, e, red).value().item<double>(),
                    naive_reduced(logits, targets, 3, e, red), tol * 37)
            << name(red);
      EXPECT_TRUE(all_close(cross_entropy(x, targets, 3, e, Reduction::None).value(),
                            Tensor::from_vector<double>(naive_rows(logits, targets, 3, e), {37}), tol, tol));
    }
}

TEST(CrossEntropy, Int32TargetsAndALargeFloat32Vocabulary) {
  Tensor logits = randn({4, 32000}, 2, DType::F64, 4.0);
  Tensor targets = targets_of({5, 31999, 0, 17000});
  const double ref = naive_reduced(logits, targets, -100, 0.1, Reduction::Mean);
  Var x(logits.to(DType::F32));
  EXPECT_NEAR(cross_entropy(x, targets.to(DType::I32), -100, 0.1).value().item<double>(), ref, 1e-5 * ref);
}

TEST(CrossEntropy, AllRowsIgnoredGiveZeroLossAndZeroGradient) {
  Var x(randn({3, 4}, 3), true);
  Var loss = cross_entropy(x, targets_of({-100, -100, -100}));
  EXPECT_EQ(loss.value().item<double>(), 0.0);
  loss.backward();
  for (double v : x.grad().to_vector<double>()) EXPECT_EQ(v, 0.0);
}

TEST(CrossEntropy, ATargetOutOfRangeIsAnErrorNamingItsRowAndTheClassCount) {
  Var x(randn({3, 4}, 4));
  try {
    cross_entropy(x, targets_of({0, 4, 1}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("target 4 in row 1"), std::string::npos) << what;
    EXPECT_NE(what.find("4 classes"), std::string::npos) << what;
  }
  EXPECT_THROW(cross_entropy(x, targets_of({0, 1})), Error);  // wrong length
}

TEST(CrossEntropy, GradientIsSoftmaxMinusTargetDistributionScaled) {
  Tensor logits = randn({3, 5}, 5);
  Var x(logits, true);
  Var loss = cross_entropy(x, targets_of({1, -100, 4}), -100, 0.25, Reduction::Mean);
  loss.backward();
  std::vector<double> lv = logits.to_vector<double>(), g = x.grad().to_vector<double>();
  for (int r : {0, 2}) {
    const int t = r == 0 ? 1 : 4;
    double s = 0;
    for (int k = 0; k < 5; ++k) s += std::exp(lv[r * 5 + k]);
    for (int k = 0; k < 5; ++k) {
      const double q = 0.25 / 5 + (k == t ? 0.75 : 0.0);
      EXPECT_NEAR(g[r * 5 + k], (std::exp(lv[r * 5 + k]) / s - q) / 2, 1e-15);
    }
  }
  for (int k = 0; k < 5; ++k) EXPECT_EQ(g[5 + k], 0.0);
}

TEST(CrossEntropyGrad, EveryReductionWithIgnoreAndSmoothingMatchesFiniteDifferences) {
  Tensor logits = randn({6, 5}, 6);
  for (Reduction red : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (double e : {0.0, 0.3})
      for (bool ignore : {false, true}) {
        SCOPED_TRACE(std::string(name(red)) + " smoothing " + std::to_string(e) + (ignore ? " with ignored rows" : ""));
        Tensor targets = ignore ? targets_of({0, -1, 4, 2, -1, 4}) : targets_of({0, 1, 4, 2, 3, 4});
        if (e == 0.3 && ignore) targets = targets.to(DType::I32);
        EXPECT_TRUE(gradcheck_passes(
            [&](const std::vector<Var>& in) { return cross_entropy(in[0], targets, -1, e, red); },
            {Var(logits, true)}));
      }
}

TEST(CrossEntropy, StridedLogitsMatchContiguousOnes) {
  Tensor big = randn({4, 10}, 7);
  Tensor view = big.narrow(1, 2, 7);  // row stride 10, unit column stride
  Tensor targets = targets_of({6, 0, 3, 3});
  Var a(view, true), b(view.contiguous(), true);
  Var la = cross_entropy(a, targets, -100, 0.1), lb = cross_entropy(b, targets, -100, 0.1);
  EXPECT_TRUE(vcc::testing::same_bits(la.value(), lb.value()));
  la.backward();
  lb.backward();
  EXPECT_TRUE(vcc::testing::same_bits(a.grad(), b.grad()));
}

TEST(CrossEntropy, LossAndGradientAreBitwiseTheSameOnOneAndTwoThreads) {
  Tensor logits = randn({512, 1000}, 8, DType::F32, 3.0);
  std::vector<int64_t> t(512);
  for (int64_t r = 0; r < 512; ++r) t[r] = r % 9 == 0 ? -100 : (r * 37) % 1000;
  Tensor targets = targets_of(t);
  auto run = [&] {
    Var x(logits, true);
    Var loss = cross_entropy(x, targets, -100, 0.1);
    loss.backward();
    return std::make_pair(loss.value(), x.grad());
  };
  auto one = vcc::testing::on_threads(1, run), two = vcc::testing::on_threads(2, run);
  EXPECT_TRUE(vcc::testing::same_bits(one.first, two.first));
  EXPECT_TRUE(vcc::testing::same_bits(one.second, two.second));
}

TEST(CrossEntropy, ForwardAndBackwardAllocateOneLogitsSizedBuffer) {
  const int64_t n = 256, c = 8192;
  Var x(randn({n, c}, 9, DType::F32), true);
  std::vector<int64_t> t(n);
  for (int64_t r = 0; r < n; ++r) t[r] = (r * 131) % c;
  Tensor targets = targets_of(t);
  const int64_t logits_bytes = n * c * 4, before = cpu_memory_stats().live_bytes;
  reset_cpu_peak_memory();
  Var loss = cross_entropy(x, targets, -100, 0.1);
  loss.backward();
  const int64_t peak = cpu_memory_stats().peak_bytes - before;
  EXPECT_GE(peak, logits_bytes);                // the gradient itself
  EXPECT_LE(peak, logits_bytes + 64 * n + 4096);  // plus O(N) row statistics
}
