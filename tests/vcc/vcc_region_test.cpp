// Oracle tests of the VCC region (spec §12), float64, with a toy pre-LN layer.
#include <gtest/gtest.h>

#include <memory>

#include "autograd/gradcheck.h"
#include "core/parallel.h"
#include "test_util.h"
#include "toy_layer.h"
#include "vcc_oracle.h"
#include "vcc/selector.h"
#include "vcc/vcc_region.h"

using namespace vcc;
using vcc::testing::randn;
using vcc::testing::ToyLayer;
using vcc::testing::ToyLayerWeights;
using namespace vcc::testing;

namespace {

constexpr int64_t kDim = 16, kFF = 24, kHeads = 2;

std::vector<std::unique_ptr<ToyLayer>> make_layers(const std::vector<ToyLayerWeights>& weights) {
  std::vector<std::unique_ptr<ToyLayer>> layers;
  for (const auto& w : weights) layers.push_back(std::make_unique<ToyLayer>(w.w, kHeads));
  return layers;
}

std::vector<VccLayerInterface*> raw(const std::vector<std::unique_ptr<ToyLayer>>& layers) {
  std::vector<VccLayerInterface*> out;
  for (auto& l : layers) out.push_back(l.get());
  return out;
}

// Full-attention reference: H <- H + gamma(H) on all n tokens, key mask = attention mask.
Tensor full_attention_stack(const Problem& p, std::vector<std::unique_ptr<ToyLayer>>& layers) {
  Var h(p.hidden);
  Tensor key_mask = p.mask.to(DType::U8);
  for (auto& l : layers) h = h + l->branch(h, key_mask, Var());
  return h.value();
}

}  // namespace

TEST(VccRegion, EveryBlockFineEqualsFullAttention) {
  Problem p = make_problem(8 + 6 * 4, 8 + 13, 5, 3, 1);
  std::vector<ToyLayerWeights> w{ToyLayerWeights::random(kDim, kFF, 100), ToyLayerWeights::random(kDim, kFF, 200)};
  auto layers = make_layers(w);
  VccConfig c = oracle_config(8, 4, 6);  // k = N
  NoGradGuard no_grad;
  VccOutputs out = run_vcc_region({Var(p.hidden), p.mask, p.importance, {}}, raw(layers), c);
  Tensor ref = full_attention_stack(p, layers);
  EXPECT_LT(masked_max_diff(out.hidden.value(), ref, p.mask), 1e-10);
}

// Spec §3.8: the lazy tree equals the explicit full-length form X_new = S^+ gamma(S X) + X.
TEST(VccRegion, LazyTreeEqualsExplicitFullLengthReference) {
  const int64_t n_p = 6, b = 4, N = 10, n = n_p + N * b, k = 3;
  for (bool scattered : {false, true}) {
    Problem p = make_problem(n, 29, 4, 9, 7, scattered);  // row 0: fillers; row 1: excess VIPs, padding
    std::vector<ToyLayerWeights> w{ToyLayerWeights::random(kDim, kFF, 300), ToyLayerWeights::random(kDim, kFF, 400),
                                   ToyLayerWeights::random(kDim, kFF, 500)};
    auto layers = make_layers(w);
    VccConfig c = oracle_config(n_p, b, k);
    NoGradGuard no_grad;
    VccOutputs out = run_vcc_region({Var(p.hidden), p.mask, p.importance, {}}, raw(layers), c);
    Tensor ref = explicit_vcc_reference(p, raw(layers), c, out);
    EXPECT_LT(vcc::testing::max_abs_diff(out.hidden.value(), ref), 1e-10) << "scattered VIPs " << scattered;
    // The selection really compressed something: some blocks coarse in each layer.
    EXPECT_EQ(out.layers[0].fine_blocks.size(1), k);
  }
}

TEST(VccRegion, IdenticalTokenBlocksNeedScaleCorrection) {
  const int64_t n_p = 4, b = 4, N = 6, n = n_p + N * b;
  // Every block of the context holds b copies of one vector.
  Tensor base = randn({1, n_p + N, kDim}, 31);
  std::vector<double> src = base.to_vector<double>(), h(n * kDim);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t s = i < n_p ? i : n_p + (i - n_p) / b;
    for (int64_t e = 0; e < kDim; ++e) h[i * kDim + e] = src[s * kDim + e];
  }
  Problem p{1, n, Tensor::from_vector<double>(h, {1, n, kDim}), Tensor::ones({1, n}, DType::I64), {}};
  std::vector<int64_t> imp(n, 0);
  for (int64_t i = 0; i < n_p; ++i) imp[i] = 1;
  p.importance = Tensor::from_vector<int64_t>(imp, {1, n});
  std::vector<ToyLayerWeights> w{ToyLayerWeights::random(kDim, kFF, 600), ToyLayerWeights::random(kDim, kFF, 700)};
  auto layers = make_layers(w);
  Tensor ref = full_attention_stack(p, layers);
  NoGradGuard no_grad;
  VccOutputs with = run_vcc_region({Var(p.hidden), p.mask, p.importance, {}}, raw(layers), oracle_config(n_p, b, 2, true));
  VccOutputs without =
      run_vcc_region({Var(p.hidden), p.mask, p.importance, {}}, raw(layers), oracle_config(n_p, b, 2, false));
  // The released epsilons make the correction log(b + 1e-4) - log(1 + 1e-4) instead of
  // log b, a relative weight error of ~1e-4: that is all that separates VCC from full
  // attention here. Without the correction a coarse block weighs 1 token instead of b.
  const double err_with = vcc::testing::max_abs_diff(with.hidden.value(), ref);
  const double err_without = vcc::testing::max_abs_diff(without.hidden.value(), ref);
  EXPECT_LT(err_with, 3e-4);
  EXPECT_GT(err_without, 100 * err_with);
  EXPECT_GT(err_without, 1e-2);
}

TEST(VccRegion, EnterThenExitReturnsTheMaskedInput) {
  Problem p = make_problem(6 + 5 * 4, 17, 3, 8, 41, /*scattered=*/true);
  NoGradGuard no_grad;
  VccOutputs out = run_vcc_region({Var(p.hidden), p.mask, p.importance, {}}, {}, oracle_config(6, 4, 2));
  std::vector<double> h = p.hidden.to_vector<double>(), got = out.hidden.value().to_vector<double>();
  std::vector<int64_t> m = p.mask.to_vector<int64_t>();
  // Tokens come back as mean - (mean - token): exact up to one rounding.
  for (size_t t = 0; t < m.size(); ++t)
    for (int64_t e = 0; e < kDim; ++e) ASSERT_NEAR(got[t * kDim + e], m[t] ? h[t * kDim + e] : 0.0, 1e-15);
}

TEST(VccSelector, RanksTheDominantBlockFirstAndIgnoresFillerVips) {
  const int64_t B = 1, H = 2, np = 4, N = 6;
  std::vector<double> probs(B * H * np * N, 0.01);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t u = 0; u < np; ++u) {
      // Real VIPs (u < 2) attend to block 3; filler VIPs (u >= 2) to block 5, far more strongly.
      probs[(h * np + u) * N + (u < 2 ? 3 : 5)] = u < 2 ? 0.5 : 0.95;
      probs[(h * np + u) * N + 1] = 0.2;
    }
  Var p(Tensor::from_vector<double>(probs, {B, H, np, N}));
  Tensor weight = Tensor::from_vector<double>({1, 1, 0, 0}, {B, np});
  Generator gen(5);
  BlockSelection sel = select_blocks(p, weight, 2, /*training=*/false, 1.0, gen);
  EXPECT_EQ(sel.fine.to_vector<int64_t>(), (std::vector<int64_t>{3, 1}));
  std::vector<double> l = sel.log_scores.to_vector<double>();
  EXPECT_NEAR(l[3], std::log(0.5 * 2 / 4 + 1e-5), 1e-12);  // mean over all n_p rows
  EXPECT_NEAR(l[5], std::log(0.01 * 2 / 4 + 1e-5), 1e-12);
  // Exploration only in training: explore_prob 1 gives a random ranking then.
  BlockSelection explored = select_blocks(p, weight, 2, /*training=*/true, 1.0, gen);
  std::vector<int64_t> order = explored.order.to_vector<int64_t>();
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_NE(order, sel.order.to_vector<int64_t>());
}

TEST(VccSelector, StraightThroughScoresAreExactlyOneWithSignedGradients) {
  const int64_t B = 1, N = 4, k = 2, b = 3, np = 2;
  Var scores(Tensor::from_vector<double>({0.1, 0.2, 0.3, 0.4}, {B, N}), true);
  BlockSelection sel;
  sel.order = Tensor::from_vector<int64_t>({2, 0, 3, 1}, {B, N});
  sel.fine = sel.order.narrow(1, 0, k).contiguous();
  sel.coarse = sel.order.narrow(1, k, N - k).contiguous();
  Var phi = straight_through_scores(scores, sel, b, np);
  for (double v : phi.value().to_vector<double>()) EXPECT_EQ(v, 1.0);
  std::vector<double> g(k * b + (N - k) + np);
  for (size_t i = 0; i < g.size(); ++i) g[i] = static_cast<double>(i + 1);
  phi.backward(Tensor::from_vector<double>(g, {B, static_cast<int64_t>(g.size())}));
  // Block 2: slots 1..3 (+6); block 0: slots 4..6 (+15); block 3: slot 7 (-7); block 1: slot 8 (-8).
  EXPECT_EQ(scores.grad().to_vector<double>(), (std::vector<double>{15, -8, 6, -7}));
}

// Spec §12.6: finite differences through the straight-through surrogate (selection
// replayed, scores 1 +/- (s - s0)) match backward for the selector's query/key weights,
// the other layer weights and the input states.
TEST(VccRegion, StraightThroughGradientMatchesFiniteDifferences) {
  const int64_t n_p = 4, b = 3, N = 5, n = n_p + N * b, k = 2;
  Problem p = make_problem(n, 14, 2, 6, 51);
  ToyLayerWeights w0 = ToyLayerWeights::random(kDim, kFF, 800), w1 = ToyLayerWeights::random(kDim, kFF, 900);
  VccConfig c = oracle_config(n_p, b, k);
  std::vector<Tensor> rankings, baselines;
  {
    NoGradGuard no_grad;
    auto layers = make_layers({w0, w1});
    VccOutputs out = run_vcc_region({Var(p.hidden), p.mask, p.importance, {}}, raw(layers), c);
    for (auto& t : out.layers) {
      rankings.push_back(t.ranking);
      baselines.push_back(t.scores);
    }
  }
  const size_t nw = w0.w.size();
  auto fn = [&](const std::vector<Var>& in) {
    std::vector<Var> a(in.begin() + 1, in.begin() + 1 + nw), bw(in.begin() + 1 + nw, in.end());
    ToyLayer l0(a, kHeads), l1(bw, kHeads);
    VccRunOptions opt;
    opt.replay_rankings = rankings;
    opt.score_baselines = baselines;
    return run_vcc_region({in[0], p.mask, p.importance, {}}, {&l0, &l1}, c, opt).hidden;
  };
  // Checked: the states, both layers' selector weights (LN, W_q, W_k: they get gradient
  // only through the straight-through scores) and W_v of the first layer; the rest of the
  // layer math is covered by the op tests.
  std::vector<Var> inputs{Var(p.hidden, true)};
  auto checked = [](size_t i) { return i <= 3; };
  for (size_t i = 0; i < nw; ++i) inputs.emplace_back(w0.w[i].value(), checked(i) || i == 4);
  for (size_t i = 0; i < nw; ++i) inputs.emplace_back(w1.w[i].value(), checked(i));
  GradCheckOptions go;
  go.max_elements = 24;
  GradCheckResult r = gradcheck(fn, inputs, go);
  EXPECT_TRUE(r.ok) << r.report;
  // The query/key weights get gradient only through selection and the scores: nonzero.
  std::vector<Var> probe = inputs;
  for (auto& v : probe) v = Var(v.value(), true);
  Var y = fn(probe);
  y.backward(Tensor::ones(y.shape(), DType::F64));
  double gq = 0;
  for (double g : probe[3].grad().to_vector<double>()) gq += std::fabs(g);
  EXPECT_GT(gq, 1e-6);
}

TEST(VccRegion, ForwardAndBackwardAreBitIdenticalAcrossThreadCounts) {
  Problem p = make_problem(8 + 12 * 4, 40, 6, 10, 61);
  ToyLayerWeights w = ToyLayerWeights::random(kDim, kFF, 1000);
  VccConfig c = oracle_config(8, 4, 5);
  auto run = [&](int threads) {
    set_num_threads(threads);
    Var h(p.hidden, true);
    auto layers = make_layers({w});
    Var out = run_vcc_region({h, p.mask, p.importance, {}}, raw(layers), c).hidden;
    out.backward(Tensor::ones(out.shape(), DType::F64));
    return std::make_pair(out.value().to_vector<double>(), h.grad().to_vector<double>());
  };
  auto one = run(1), two = run(2);
  set_num_threads(2);
  EXPECT_EQ(one.first, two.first);
  EXPECT_EQ(one.second, two.second);
}

TEST(VccConfig, CompressedLengthsOfThePapersConfigurations) {
  struct Row { int64_t n, np, b, k, r; };
  // Spec §8.3 (T5 downstream), the length-scaling table and §10.1 (pretraining).
  const Row rows[] = {{4096, 96, 16, 70, 1396},   {4096, 288, 16, 80, 1726},  {4096, 16, 16, 90, 1621},
                      {8192, 16, 16, 90, 1877},   {16384, 16, 16, 90, 2389},  {16384, 48, 16, 90, 2419},
                      {16384, 32, 16, 90, 2404},  {16384, 240, 16, 90, 2599}, {32768, 48, 16, 90, 3443},
                      {32768, 64, 32, 45, 2481},  {32768, 64, 32, 55, 2791},  {65536, 48, 16, 90, 5491},
                      {65536, 64, 64, 30, 2977},  {131072, 48, 16, 90, 9587}, {4096, 224, 16, 90, 1816},
                      {4096, 320, 16, 44, 1216},  {4096, 320, 16, 50, 1306},  {4096, 256, 16, 80, 1696}};
  for (const Row& row : rows) {
    VccConfig c = oracle_config(row.np, row.b, row.k);
    EXPECT_EQ(c.compressed_length(row.n), row.r) << "n=" << row.n << " n_p=" << row.np;
    c.validate(row.n);
  }
  VccConfig bad = oracle_config(10, 16, 4);
  EXPECT_THROW(bad.validate(4096), Error);  // 4086 is not a multiple of 16
  VccConfig too_many = oracle_config(96, 16, 300);
  EXPECT_THROW(too_many.validate(4096), Error);  // only 250 blocks
}
