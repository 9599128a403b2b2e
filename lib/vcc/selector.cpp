#include "vcc/selector.h"

#include <algorithm>
#include <numeric>

#include "autograd/ops.h"

namespace vcc {
namespace {

// Random permutation of 0..n-1 from the Philox stream (Fisher-Yates).
std::vector<int64_t> random_permutation(int64_t n, uint64_t seed, uint64_t offset) {
  std::vector<int64_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(Philox::uniform_double(seed, offset, static_cast<uint64_t>(i)) * (i + 1));
    std::swap(p[i], p[std::min(j, i)]);
  }
  return p;
}

}  // namespace

BlockSelection select_blocks(const Var& probs, const Tensor& vip_weight, int64_t fine_blocks, bool training,
                             double explore_prob, Generator& generator, const Tensor& forced_ranking) {
  VCC_CHECK(probs.dim() == 4, "select_blocks: probabilities must be [B, H, n_p, N], got ", probs.value().describe());
  const int64_t B = probs.size(0), n_p = probs.size(2), N = probs.size(3);
  VCC_CHECK(vip_weight.shape() == Shape({B, n_p}), "select_blocks: VIP weights ", vip_weight.describe(), " for ",
            probs.value().describe());
  VCC_CHECK(fine_blocks >= 0 && fine_blocks <= N, "select_blocks: k = ", fine_blocks, " of ", N, " blocks");

  // l_j = log( mean_u v_u * mean_h A[h, u, j] + 1e-5 ): the mean over all n_p rows, so
  // filler VIPs (v = 0) dilute but never vote.
  Var head_mean = mean(probs, 1);                                            // [B, n_p, N]
  Var weight(vip_weight.to(probs.dtype()).unsqueeze(2), false);              // [B, n_p, 1]
  Var attention_mass = mean(head_mean * weight, 1);                          // [B, N]
  Var log_scores = log(add_scalar(attention_mass, 1e-5));
  BlockSelection sel;
  sel.scores = softmax(log_scores, -1);
  sel.log_scores = log_scores.value();

  Tensor ranking = argsort(log_scores.value(), -1, /*descending=*/true);  // [B, N]
  if (forced_ranking.defined()) {
    VCC_CHECK(forced_ranking.shape() == ranking.shape() && forced_ranking.dtype() == DType::I64,
              "select_blocks: forced ranking ", forced_ranking.describe(), " for ", ranking.describe());
    ranking = forced_ranking;
  } else if (training && explore_prob > 0) {
    const uint64_t offset = generator.next_offset();
    // One draw per example decides; a second stream gives the permutation. The ranking is
    // copied to the host (a sync on a GPU) only when some example explores.
    std::vector<bool> explores(B);
    bool any = false;
    for (int64_t b = 0; b < B; ++b) {
      explores[b] = Philox::uniform_double(generator.seed(), offset, static_cast<uint64_t>(b)) < explore_prob;
      any = any || explores[b];
    }
    if (any) {
      std::vector<int64_t> r = ranking.to_vector<int64_t>();
      for (int64_t b = 0; b < B; ++b) {
        if (!explores[b]) continue;
        std::vector<int64_t> p = random_permutation(N, generator.seed() ^ 0x5bd1e995ull, offset * 1024 + b);
        std::copy(p.begin(), p.end(), r.begin() + b * N);
      }
      ranking = Tensor::from_vector<int64_t>(r, {B, N}).to(ranking.device());
    }
  }
  sel.order = ranking.contiguous();
  sel.fine = ranking.narrow(1, 0, fine_blocks).contiguous();
  sel.coarse = ranking.narrow(1, fine_blocks, N - fine_blocks).contiguous();
  return sel;
}

Var straight_through_scores(const Var& scores, const BlockSelection& selection, int64_t block_size, int64_t num_vip,
                            const Tensor& baseline) {
  const int64_t B = scores.size(0), N = scores.size(1), k = selection.fine.size(1);
  const int64_t r = k * block_size + (N - k) + num_vip;
  Tensor order = selection.order;
  Tensor ones = Tensor::ones({B, r}, scores.dtype(), Device::cpu());
  if (baseline.defined()) {
    VCC_CHECK(baseline.shape() == scores.shape(), "straight_through_scores: baseline ", baseline.describe());
    std::vector<double> s = scores.value().to_vector<double>(), s0 = baseline.to_vector<double>();
    std::vector<int64_t> ord = order.to(Device::cpu()).to_vector<int64_t>();
    std::vector<double> v(B * r, 1.0);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t j = 0; j < N; ++j) {
        const int64_t blk = ord[b * N + j];
        const double delta = s[b * N + blk] - s0[b * N + blk];
        if (j < k)
          for (int64_t i = 0; i < block_size; ++i) v[b * r + j * block_size + i] = 1.0 + delta;
        else
          v[b * r + k * block_size + (j - k)] = 1.0 - delta;
      }
    }
    ones = Tensor::from_vector<double>(v, {B, r}).to(scores.dtype());
  }
  ones = ones.to(scores.device());
  return make_result(
      ones, {scores},
      [order, B, N, k, block_size, r](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        // d phi_fine / d s = +1, d phi_coarse / d s = -1 (phi = 1 + s - sg(s), 1 + (1-s) - sg(1-s)).
        Tensor gs = Tensor::zeros({B, N}, g.dtype(), Device::cpu());
        Tensor gh = g.to(Device::cpu()).contiguous();
        const Tensor order_h = order.to(Device::cpu());  // named: a temporary's memory dies with the statement
        const int64_t* ord = order_h.data<int64_t>();
        dispatch_float(g.dtype(), "straight_through_scores", [&](auto tag) {
          using T = typename decltype(tag)::type;
          const T* gp = gh.data<T>();
          T* out = gs.data<T>();
          for (int64_t b = 0; b < B; ++b) {
            for (int64_t j = 0; j < k; ++j) {
              T sum = 0;
              for (int64_t i = 0; i < block_size; ++i) sum += gp[b * r + j * block_size + i];
              out[b * N + ord[b * N + j]] += sum;
            }
            for (int64_t j = k; j < N; ++j) out[b * N + ord[b * N + j]] -= gp[b * r + k * block_size + (j - k)];
          }
        });
        return {gs.to(g.device())};
      },
      "vcc_straight_through");
}

}  // namespace vcc
