#include "vcc/selector.h"

#include <algorithm>
#include <numeric>

#include "autograd/ops.h"
#include "kernels/elementwise.h"
#include "kernels/index.h"
#include "kernels/reduce.h"

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
    // One draw per example decides; a second stream gives the permutation. The draws come
    // from the seed alone, so they are made on the host and the device only picks rows.
    std::vector<int64_t> explores(B, 0), permutations(B * N, 0);
    bool any = false;
    for (int64_t b = 0; b < B; ++b) {
      if (Philox::uniform_double(generator.seed(), offset, static_cast<uint64_t>(b)) >= explore_prob) continue;
      explores[b] = 1;
      any = true;
      std::vector<int64_t> p = random_permutation(N, generator.seed() ^ 0x5bd1e995ull, offset * 1024 + b);
      std::copy(p.begin(), p.end(), permutations.begin() + b * N);
    }
    if (any) {
      const Device dev = ranking.device();
      ranking = kernels::where(Tensor::from_vector<int64_t>(explores, {B, 1}).to(dev),
                               Tensor::from_vector<int64_t>(permutations, {B, N}).to(dev), ranking);
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
  Tensor ones = Tensor::ones({B, r}, scores.dtype(), scores.device());
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
      [order, B, N, k, block_size](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        // d phi_fine / d s = +1, d phi_coarse / d s = -1 (phi = 1 + s - sg(s), 1 + (1-s) - sg(1-s)):
        // per ranked block, the sum of its fine slots' gradients or minus its coarse slot's,
        // then moved from ranking order to block order, on g's device.
        const int64_t kb = k * block_size;
        const Tensor fine = kernels::sum(g.narrow(1, 0, kb).contiguous().view({B, k, block_size}), 2);
        const Tensor coarse = kernels::unary(kernels::UnaryOp::Neg, g.narrow(1, kb, N - k).contiguous());
        const Tensor ranked = kernels::concat({fine, coarse}, 1);
        return {kernels::gather(ranked, 1, kernels::argsort(order, 1, /*descending=*/false))};
      },
      "vcc_straight_through");
}

}  // namespace vcc
