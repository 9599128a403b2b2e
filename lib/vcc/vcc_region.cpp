#include "vcc/vcc_region.h"

#include <cmath>

#include "autograd/ops.h"
#include "kernels/elementwise.h"
#include "kernels/index.h"
#include "kernels/reduce.h"
#include "kernels/vcc_tree.h"
#include "vcc/block_tree.h"
#include "vcc/selector.h"

namespace vcc {
namespace {

// 0/1 int64 of a mask of any dtype: nonzero is 1 (a float mask is truncated toward zero
// first, as converting it to int64 does).
Tensor ones_where_nonzero(const Tensor& mask) {
  const Device dev = mask.device();
  const Tensor cond = is_floating(mask.dtype()) ? mask.to(DType::F64).to(DType::I64) : mask;
  return kernels::where(cond, Tensor::ones({}, DType::I64, dev), Tensor::zeros({}, DType::I64, dev));
}

// The inverse of each row's permutation [B, m]: a permutation's stable ascending argsort.
Tensor inverse_permutation(const Tensor& perm) { return kernels::argsort(perm, 1, /*descending=*/false); }

}  // namespace

Tensor block_mean_positions(const Tensor& token_positions) {
  VCC_CHECK(token_positions.dim() == 3, "block positions need [B, N, b], got ", token_positions.describe());
  const Device dev = token_positions.device();
  const double b = static_cast<double>(token_positions.size(2));
  // Sums of at most 2^53 / b positions are exact in float64, and so is the division's
  // rounding to the nearest double, as the reference computes it.
  const Tensor mean = kernels::binary(kernels::BinaryOp::Div, kernels::sum(token_positions.to(DType::F64), 2),
                                      Tensor::full({}, b, DType::F64, dev));
  // torch.round (half to even) without a host round trip: for 0 <= x < 2^52, adding 2^52
  // rounds x to an integer in the default rounding mode (ties to even); subtracting it again
  // is exact. Positions are never negative.
  constexpr double kTwo52 = 4503599627370496.0;
  const Tensor rounded =
      kernels::unary(kernels::UnaryOp::AddScalar, kernels::unary(kernels::UnaryOp::AddScalar, mean, kTwo52), -kTwo52);
  return rounded.to(DType::I64);
}

VccOutputs run_vcc_region(const VccInputs& inputs, const std::vector<VccLayerInterface*>& layers,
                          const VccConfig& config, const VccRunOptions& options) {
  Generator& generator = options.generator ? *options.generator : default_generator();
  const Var& hidden = inputs.hidden;
  VCC_CHECK(hidden.dim() == 3, "VCC region: hidden states must be [B, n, d], got ", hidden.value().describe());
  const int64_t B = hidden.size(0), n = hidden.size(1), d = hidden.size(2);
  config.validate(n);
  const int64_t n_p = config.num_vip, b = config.block_size, N = config.num_blocks(n), k = config.fine_blocks;
  const int64_t n_c = n - n_p, kb = k * b, r = config.compressed_length(n);
  VCC_CHECK(inputs.attention_mask.shape() == Shape({B, n}) && inputs.importance_mask.shape() == Shape({B, n}),
            "VCC region: masks ", inputs.attention_mask.describe(), " / ", inputs.importance_mask.describe(),
            " for states ", hidden.value().describe());
  const DType dt = hidden.dtype();
  const Device dev = hidden.device();

  // ---- enter (spec §3.1): zero padding, stable sort by importance, split P / C ----
  // All bookkeeping stays on the states' device: a read on the host would stall a GPU.
  const Tensor mask01 = ones_where_nonzero(inputs.attention_mask.to(dev));          // [B, n] int64
  const Tensor importance01 = ones_where_nonzero(inputs.importance_mask.to(dev));   // [B, n] int64
  Tensor positions;
  if (inputs.positions.defined()) {
    VCC_CHECK(inputs.positions.shape() == Shape({B, n}), "VCC region: positions ", inputs.positions.describe());
    positions = inputs.positions.to(DType::I64).to(dev);
  } else {
    positions = Tensor::arange(n, DType::I64, dev).unsqueeze(0).expand({B, n}).contiguous();
  }
  const Tensor sigma_t = kernels::argsort(importance01, 1, /*descending=*/true);  // [B, n]
  const Tensor sorted_mask = kernels::gather(mask01, 1, sigma_t);
  const Tensor sorted_importance = kernels::gather(importance01, 1, sigma_t);
  const Tensor sorted_positions = kernels::gather(positions, 1, sigma_t);

  const Tensor padding_zeroes = mask01.to(dt).reshape({B, n, 1});
  Var zeroed = hidden * Var(padding_zeroes);
  Var sorted = gather_rows(zeroed, sigma_t);
  Var vips = narrow(sorted, 1, 0, n_p);
  Var context = reshape(narrow(sorted, 1, n_p, n_c), {B, N, b, d});

  // Per-slot bookkeeping: VIP weights/masks/positions, token masks/positions [B, N, b].
  const Tensor vip_weight_t = sorted_importance.narrow(1, 0, n_p).to(dt).contiguous();
  const Tensor vip_key_mask = sorted_mask.narrow(1, 0, n_p).to(DType::U8).contiguous();
  const Tensor vip_positions_t = sorted_positions.narrow(1, 0, n_p).contiguous();
  const Tensor token_mask = sorted_mask.narrow(1, n_p, n_c).contiguous().view({B, N, b});
  const Tensor token_key_mask = token_mask.to(DType::U8).contiguous();
  const Tensor token_positions = sorted_positions.narrow(1, n_p, n_c).contiguous().view({B, N, b});
  const Tensor block_positions = block_mean_positions(token_positions);

  // ---- initial coarsening (spec §3.2) ----
  BlockTree tree(token_mask.to(dt).contiguous(), config.mean_epsilon);
  Var means = tree.coarsen_all(context);
  const Tensor block_mask = tree.block_mask();

  // Constant part of the key bias: log(duplicate count + 1e-4) per slot (1 for fine tokens
  // and VIPs, b for a coarse block, spec §3.5), or nothing without scale correction.
  Tensor duplicate_bias;
  if (config.scale_correction) {
    std::vector<double> dup(B * r, std::log(1.0 + 1e-4));
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t j = 0; j < N - k; ++j) dup[bi * r + kb + j] = std::log(static_cast<double>(b) + 1e-4);
    duplicate_bias = Tensor::from_vector<double>(dup, {B, r}).to(dt).to(dev);
  }

  VccOutputs out;
  out.sorted_order = sigma_t;
  out.block_mask = block_mask;
  out.block_positions = block_positions;

  VCC_CHECK(options.replay_rankings.empty() || options.replay_rankings.size() == layers.size(),
            "VCC region: ", options.replay_rankings.size(), " replayed rankings for ", layers.size(), " layers");
  for (size_t li = 0; li < layers.size(); ++li) {
    VccLayerInterface* layer = layers[li];
    // ---- selection with this layer's own attention (spec §3.3) ----
    Var probs = layer->vip_block_attention(vips, means, block_mask, vip_positions_t, block_positions);
    Tensor forced = options.replay_rankings.empty() ? Tensor() : options.replay_rankings[li];
    BlockSelection sel =
        select_blocks(probs, vip_weight_t, k, options.training, config.explore_prob, generator, forced);
    out.layers.push_back({sel.fine, sel.order, sel.log_scores, sel.scores.value()});

    // ---- compressed sequence (spec §3.4): fine tokens, coarse means, VIPs ----
    Var fine = reshape(tree.refine(means, sel.fine), {B, kb, d});
    Var coarse = gather_rows(means, sel.coarse);
    Var z = concat({fine, coarse, vips}, 1);

    // Keys of the compressed sequence: each fine block's tokens, then one slot per coarse
    // block, then the VIPs; their masks and positions gathered the same way.
    const Tensor key_mask = kernels::concat(
        {kernels::gather_rows(token_key_mask, sel.fine).view({B, kb}), kernels::gather(block_mask, 1, sel.coarse),
         vip_key_mask},
        1);
    const Tensor slot_positions = kernels::concat(
        {kernels::gather_rows(token_positions, sel.fine).view({B, kb}), kernels::gather(block_positions, 1, sel.coarse),
         vip_positions_t},
        1);
    Tensor baseline = li < options.score_baselines.size() ? options.score_baselines[li] : Tensor();
    Var phi = straight_through_scores(sel.scores, sel, b, n_p, baseline);  // [B, r], value 1
    Var key_bias = log(add_scalar(phi, 1e-4));
    if (duplicate_bias.defined()) key_bias = key_bias + Var(duplicate_bias);
    CompressedAttention attention{key_mask, key_bias, slot_positions};

    // ---- the layer on r tokens, gated residual (spec §3.5) ----
    Var gamma = layer->residual_branch(z, attention);
    Var updated = z + gamma * unsqueeze(phi, 2);

    // ---- write-back (spec §3.6): refined blocks re-averaged, coarse ones keep their update ----
    Var new_fine = reshape(narrow(updated, 1, 0, kb), {B, k, b, d});
    Var new_coarse = narrow(updated, 1, kb, N - k);
    vips = narrow(updated, 1, kb + (N - k), n_p);
    Var fine_means = tree.coarsen(new_fine, sel.fine);
    means = gather_rows(concat({fine_means, new_coarse}, 1), inverse_permutation(sel.order));
  }

  // ---- exit (spec §3.7): rebuild every token, un-sort, zero padding ----
  Var tokens = reshape(tree.reconstruct(means), {B, n_c, d});
  Var full_sorted = concat({vips, tokens}, 1);
  Var restored = gather_rows(full_sorted, inverse_permutation(sigma_t));
  out.hidden = restored * Var(padding_zeroes);
  return out;
}

}  // namespace vcc
