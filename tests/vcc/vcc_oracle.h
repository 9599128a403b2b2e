#pragma once
// Oracles for the VCC region (spec §12), float64, over any VccLayerInterface: test problems
// (padded rows, leading or scattered VIPs) and the explicit full-length form of spec §3.8.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "test_util.h"
#include "vcc/selector.h"
#include "vcc/vcc_region.h"

namespace vcc::testing {

struct Problem {
  int64_t B, n;
  Tensor hidden, mask, importance;
};

// Rows: row 0 full length with `vips0` leading VIP tokens, row 1 padded to `len1`.
inline Problem make_problem(int64_t n, int64_t len1, int64_t vips0, int64_t vips1, uint64_t seed, bool scattered = false,
                            int64_t dim = 16) {
  Problem p{2, n, randn({2, n, dim}, seed), {}, {}};
  std::vector<int64_t> mask(2 * n, 0), imp(2 * n, 0);
  for (int64_t i = 0; i < n; ++i) mask[i] = 1;
  for (int64_t i = 0; i < len1; ++i) mask[n + i] = 1;
  for (int64_t i = 0; i < vips0; ++i) imp[scattered ? (i * 7 + 3) % n : i] = 1;
  for (int64_t i = 0; i < vips1; ++i) imp[n + (scattered ? (i * 5 + 1) % len1 : i)] = 1;
  p.mask = Tensor::from_vector<int64_t>(mask, {2, n});
  p.importance = Tensor::from_vector<int64_t>(imp, {2, n});
  return p;
}

// Max |a - b| over positions where mask != 0 ([B, n, d] vs [B, n] mask).
inline double masked_max_diff(const Tensor& a, const Tensor& b, const Tensor& mask) {
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  std::vector<int64_t> m = mask.to_vector<int64_t>();
  const int64_t d = a.size(-1);
  double worst = 0;
  for (size_t t = 0; t < m.size(); ++t)
    if (m[t])
      for (int64_t e = 0; e < d; ++e) worst = std::max(worst, std::fabs(x[t * d + e] - y[t * d + e]));
  return worst;
}

inline VccConfig oracle_config(int64_t n_p, int64_t b, int64_t k, bool scale_correction = true) {
  VccConfig c;
  c.enabled = true;
  c.num_vip = n_p;
  c.block_size = b;
  c.fine_blocks = k;
  c.scale_correction = scale_correction;
  c.mean_epsilon = 0.0;
  c.explore_prob = 0.0;
  return c;
}

// Spec §3.8 written out on the host: C kept at full length, X_new = S^+ gamma(S X) + X per
// layer, with the selection recomputed from explicit block means (and checked against the
// region's). Returns the expected output [B, n, d] of run_vcc_region(p, layers, c) == `out`.
inline Tensor explicit_vcc_reference(const Problem& p, const std::vector<VccLayerInterface*>& layers,
                                     const VccConfig& c, const VccOutputs& out) {
  // Explicit reference on the host: C kept at full length.
  const int64_t B = p.B, n = p.n, d = p.hidden.size(2), n_p = c.num_vip, b = c.block_size, k = c.fine_blocks;
  const int64_t N = c.num_blocks(n), r = c.compressed_length(n);
  std::vector<int64_t> sigma = out.sorted_order.to_vector<int64_t>();
  std::vector<int64_t> mask = p.mask.to_vector<int64_t>(), imp = p.importance.to_vector<int64_t>();
  std::vector<double> h = p.hidden.to_vector<double>();
  std::vector<double> X(B * n * d);  // sorted, zeroed states
  std::vector<double> mS(B * n), vS(B * n);
  for (int64_t bi = 0; bi < B; ++bi)
    for (int64_t i = 0; i < n; ++i) {
      int64_t src = sigma[bi * n + i];
      mS[bi * n + i] = static_cast<double>(mask[bi * n + src]);
      vS[bi * n + i] = static_cast<double>(imp[bi * n + src]);
      for (int64_t e = 0; e < d; ++e) X[(bi * n + i) * d + e] = h[(bi * n + src) * d + e] * mS[bi * n + i];
    }
  // Importance sort is stable and descending.
  for (int64_t bi = 0; bi < B; ++bi)
    for (int64_t i = 1; i < n; ++i) EXPECT_GE(vS[bi * n + i - 1], vS[bi * n + i]);

  for (size_t li = 0; li < layers.size(); ++li) {
    std::vector<double> mean(B * N * d, 0.0), cnt(B * N, 0.0);
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t j = 0; j < N; ++j) {
        for (int64_t i = 0; i < b; ++i) {
          const int64_t row = bi * n + n_p + j * b + i;
          cnt[bi * N + j] += mS[row];
          for (int64_t e = 0; e < d; ++e) mean[(bi * N + j) * d + e] += mS[row] * X[row * d + e];
        }
        for (int64_t e = 0; e < d; ++e)
          mean[(bi * N + j) * d + e] = cnt[bi * N + j] > 0 ? mean[(bi * N + j) * d + e] / cnt[bi * N + j] : 0.0;
      }
    // Selection scores from explicit means agree with the region's.
    std::vector<double> P(B * n_p * d);
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t i = 0; i < n_p * d; ++i) P[bi * n_p * d + i] = X[bi * n * d + i];
    std::vector<double> bm(B * N);
    for (int64_t j = 0; j < B * N; ++j) bm[j] = cnt[j] > 0;
    std::vector<double> vw(B * n_p);
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t i = 0; i < n_p; ++i) vw[bi * n_p + i] = vS[bi * n + i];
    Var probs = layers[li]->vip_block_attention(Var(Tensor::from_vector<double>(P, {B, n_p, d})),
                                                Var(Tensor::from_vector<double>(mean, {B, N, d})),
                                                Tensor::from_vector<double>(bm, {B, N}), Tensor(), Tensor());
    Generator gen(0);
    BlockSelection sel = select_blocks(probs, Tensor::from_vector<double>(vw, {B, n_p}), k, false, 0.0, gen);
    EXPECT_LT(vcc::testing::max_abs_diff(sel.log_scores, out.layers[li].log_scores), 1e-10) << "layer " << li;
    std::vector<int64_t> rank = out.layers[li].ranking.to_vector<int64_t>();

    // Z = [masked fine tokens, means of coarse blocks, P].
    std::vector<double> Z(B * r * d), key_mask(B * r), key_bias(B * r);
    for (int64_t bi = 0; bi < B; ++bi) {
      for (int64_t j = 0; j < N; ++j) {
        const int64_t blk = rank[bi * N + j];
        if (j < k) {
          for (int64_t i = 0; i < b; ++i) {
            const int64_t row = bi * n + n_p + blk * b + i, slot = bi * r + j * b + i;
            for (int64_t e = 0; e < d; ++e) Z[slot * d + e] = X[row * d + e] * mS[row];
            key_mask[slot] = mS[row];
            key_bias[slot] = std::log(1.0 + 1e-4) + std::log(1.0 + 1e-4);
          }
        } else {
          const int64_t slot = bi * r + k * b + (j - k);
          for (int64_t e = 0; e < d; ++e) Z[slot * d + e] = mean[(bi * N + blk) * d + e];
          key_mask[slot] = bm[bi * N + blk];
          key_bias[slot] = std::log(1.0 + 1e-4) + std::log(static_cast<double>(b) + 1e-4);
        }
      }
      for (int64_t i = 0; i < n_p; ++i) {
        const int64_t slot = bi * r + k * b + (N - k) + i;
        for (int64_t e = 0; e < d; ++e) Z[slot * d + e] = X[(bi * n + i) * d + e];
        key_mask[slot] = mS[bi * n + i];
        key_bias[slot] = 2 * std::log(1.0 + 1e-4);
      }
    }
    Tensor z = Tensor::from_vector<double>(Z, {B, r, d});
    CompressedAttention att{Tensor::from_vector<double>(key_mask, {B, r}).to(DType::U8),
                            Var(Tensor::from_vector<double>(key_bias, {B, r})), Tensor()};
    Tensor gamma = layers[li]->residual_branch(Var(z), att).value();
    std::vector<double> G = gamma.to_vector<double>();
    // Decompress: fine tokens take their new value, coarse blocks broadcast the update.
    for (int64_t bi = 0; bi < B; ++bi) {
      for (int64_t j = 0; j < N; ++j) {
        const int64_t blk = rank[bi * N + j];
        if (j < k) {
          for (int64_t i = 0; i < b; ++i) {
            const int64_t row = bi * n + n_p + blk * b + i, slot = bi * r + j * b + i;
            for (int64_t e = 0; e < d; ++e) X[row * d + e] = Z[slot * d + e] + G[slot * d + e];
          }
        } else {
          const int64_t slot = bi * r + k * b + (j - k);
          for (int64_t i = 0; i < b; ++i) {
            const int64_t row = bi * n + n_p + blk * b + i;
            for (int64_t e = 0; e < d; ++e) X[row * d + e] += G[slot * d + e];
          }
        }
      }
      for (int64_t i = 0; i < n_p; ++i) {
        const int64_t slot = bi * r + k * b + (N - k) + i;
        for (int64_t e = 0; e < d; ++e) X[(bi * n + i) * d + e] += G[slot * d + e];
      }
    }
  }
  std::vector<double> expected(B * n * d);
  for (int64_t bi = 0; bi < B; ++bi)
    for (int64_t i = 0; i < n; ++i) {
      const int64_t dst = sigma[bi * n + i];
      for (int64_t e = 0; e < d; ++e) expected[(bi * n + dst) * d + e] = X[(bi * n + i) * d + e] * mS[bi * n + i];
    }
  return Tensor::from_vector<double>(expected, {B, n, d});
}

}  // namespace vcc::testing
