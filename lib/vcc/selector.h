#pragma once
// Attention-based block selection of one VCC layer (spec §3.3): rank blocks by how much
// the (real) VIPs attend to their means, keep the top k at token resolution, and give
// every block a straight-through score (value 1, gradient + for fine, - for coarse).
#include <cstdint>

#include "autograd/variable.h"
#include "core/rng.h"

namespace vcc {

struct BlockSelection {
  Tensor fine;        // [B, k] int64, best first
  Tensor coarse;      // [B, N - k] int64, in ranked order
  Tensor order;       // [B, N] int64: fine then coarse (the ranking used)
  Var scores;         // [B, N] softmax of the log-scores (the straight-through source)
  Tensor log_scores;  // [B, N] l_j (for diagnostics and reference checks)
};

// probs: [B, H, n_p, N] per-head attention probabilities of VIP slots over block means,
// vip_weight: [B, n_p] (1 for real VIPs, 0 for fillers, which must not vote).
// With probability explore_prob per example (training only) the ranking is replaced by a
// uniformly random permutation drawn from `generator`.
// A defined `forced_ranking` [B, N] replaces the ranking (oracle tests replay a selection).
BlockSelection select_blocks(const Var& probs, const Tensor& vip_weight, int64_t fine_blocks, bool training,
                             double explore_prob, Generator& generator, const Tensor& forced_ranking = Tensor());

// Per-slot scores of a compressed sequence [B, r] laid out as (fine tokens of each fine
// block, b per block) + (one slot per coarse block) + (n_p VIP slots): value exactly 1;
// backward sends + the slot gradients (summed per block) to fine blocks' scores and - to
// coarse blocks', nothing for VIP slots. With a `baseline` [B, N] the value becomes
// 1 + (s - baseline) for fine and 1 - (s - baseline) for coarse slots: the surrogate the
// straight-through gradient differentiates, made explicit for finite-difference tests.
Var straight_through_scores(const Var& scores, const BlockSelection& selection, int64_t block_size, int64_t num_vip,
                            const Tensor& baseline = Tensor());

}  // namespace vcc
