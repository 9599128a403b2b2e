#include "vcc/vcc_region.h"

#include <cmath>

#include "autograd/ops.h"
#include "vcc/block_tree.h"
#include "vcc/selector.h"

namespace vcc {
namespace {

// Host copy of a [B, ...] tensor as int64 / double rows (masks and positions are small).
std::vector<int64_t> host_int(const Tensor& t) { return t.to(Device::cpu()).to_vector<int64_t>(); }

// out[b, i] = values[b, index[b, i]] for [B, n] values (per-example permutation/selection).
template <class T>
std::vector<T> take(const std::vector<T>& values, int64_t n, const std::vector<int64_t>& index, int64_t m,
                    int64_t batch) {
  std::vector<T> out(batch * m);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < m; ++i) out[b * m + i] = values[b * n + index[b * m + i]];
  return out;
}

std::vector<int64_t> inverse_permutation(const std::vector<int64_t>& perm, int64_t n, int64_t batch) {
  std::vector<int64_t> inv(perm.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < n; ++i) inv[b * n + perm[b * n + i]] = i;
  return inv;
}

}  // namespace

Tensor block_mean_positions(const Tensor& token_positions) {
  VCC_CHECK(token_positions.dim() == 3, "block positions need [B, N, b], got ", token_positions.describe());
  const int64_t B = token_positions.size(0), N = token_positions.size(1), b = token_positions.size(2);
  std::vector<int64_t> p = host_int(token_positions), out(B * N);
  for (int64_t j = 0; j < B * N; ++j) {
    int64_t sum = 0;
    for (int64_t i = 0; i < b; ++i) sum += p[j * b + i];
    // torch.round: half to even; nearbyint does that in the default rounding mode.
    out[j] = static_cast<int64_t>(std::nearbyint(static_cast<double>(sum) / static_cast<double>(b)));
  }
  return Tensor::from_vector<int64_t>(out, {B, N});
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
  std::vector<int64_t> mask = host_int(inputs.attention_mask.to(DType::F64).to(DType::I64));
  std::vector<int64_t> importance = host_int(inputs.importance_mask.to(DType::F64).to(DType::I64));
  std::vector<int64_t> positions;
  if (inputs.positions.defined()) {
    VCC_CHECK(inputs.positions.shape() == Shape({B, n}), "VCC region: positions ", inputs.positions.describe());
    positions = host_int(inputs.positions);
  } else {
    positions.resize(B * n);
    for (int64_t i = 0; i < B * n; ++i) positions[i] = i % n;
  }
  for (auto& m : mask) m = m != 0;
  for (auto& v : importance) v = v != 0;
  Tensor importance_t = Tensor::from_vector<int64_t>(importance, {B, n});
  std::vector<int64_t> sigma = argsort(importance_t, 1, /*descending=*/true).to_vector<int64_t>();
  std::vector<int64_t> sorted_mask = take(mask, n, sigma, n, B);
  std::vector<int64_t> sorted_importance = take(importance, n, sigma, n, B);
  std::vector<int64_t> sorted_positions = take(positions, n, sigma, n, B);

  std::vector<double> mask_d(mask.begin(), mask.end());
  Var zeroed = hidden * Var(Tensor::from_vector<double>(mask_d, {B, n, 1}).to(dt).to(dev));
  Tensor sigma_t = Tensor::from_vector<int64_t>(sigma, {B, n}).to(dev);
  Var sorted = gather_rows(zeroed, sigma_t);
  Var vips = narrow(sorted, 1, 0, n_p);
  Var context = reshape(narrow(sorted, 1, n_p, n_c), {B, N, b, d});

  // Per-slot bookkeeping on the host: VIP weights/masks/positions, token masks/positions.
  std::vector<double> vip_weight(B * n_p), token_mask(B * n_c);
  std::vector<int64_t> vip_key_mask(B * n_p), vip_positions(B * n_p), token_positions(B * n_c);
  for (int64_t bi = 0; bi < B; ++bi) {
    for (int64_t i = 0; i < n_p; ++i) {
      vip_weight[bi * n_p + i] = static_cast<double>(sorted_importance[bi * n + i]);
      vip_key_mask[bi * n_p + i] = sorted_mask[bi * n + i];
      vip_positions[bi * n_p + i] = sorted_positions[bi * n + i];
    }
    for (int64_t i = 0; i < n_c; ++i) {
      token_mask[bi * n_c + i] = static_cast<double>(sorted_mask[bi * n + n_p + i]);
      token_positions[bi * n_c + i] = sorted_positions[bi * n + n_p + i];
    }
  }
  Tensor vip_weight_t = Tensor::from_vector<double>(vip_weight, {B, n_p}).to(dt).to(dev);
  Tensor vip_positions_t = Tensor::from_vector<int64_t>(vip_positions, {B, n_p}).to(dev);
  Tensor block_positions = block_mean_positions(Tensor::from_vector<int64_t>(token_positions, {B, N, b}));
  std::vector<int64_t> block_pos = block_positions.to_vector<int64_t>();
  block_positions = block_positions.to(dev);

  // ---- initial coarsening (spec §3.2) ----
  BlockTree tree(Tensor::from_vector<double>(token_mask, {B, N, b}).to(dt).to(dev), config.mean_epsilon);
  Var means = tree.coarsen_all(context);
  Tensor block_mask = tree.block_mask();
  std::vector<int64_t> block_mask_h = host_int(block_mask.to(DType::I64));
  block_mask = block_mask.to(dev);

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

    std::vector<int64_t> order = sel.order.to(Device::cpu()).to_vector<int64_t>();
    std::vector<uint8_t> key_mask(B * r);
    std::vector<int64_t> slot_positions(B * r);
    for (int64_t bi = 0; bi < B; ++bi) {
      for (int64_t j = 0; j < k; ++j) {
        const int64_t blk = order[bi * N + j];
        for (int64_t i = 0; i < b; ++i) {
          key_mask[bi * r + j * b + i] = token_mask[bi * n_c + blk * b + i] != 0;
          slot_positions[bi * r + j * b + i] = token_positions[bi * n_c + blk * b + i];
        }
      }
      for (int64_t j = k; j < N; ++j) {
        const int64_t blk = order[bi * N + j];
        key_mask[bi * r + kb + (j - k)] = block_mask_h[bi * N + blk] != 0;
        slot_positions[bi * r + kb + (j - k)] = block_pos[bi * N + blk];
      }
      for (int64_t i = 0; i < n_p; ++i) {
        key_mask[bi * r + kb + (N - k) + i] = vip_key_mask[bi * n_p + i] != 0;
        slot_positions[bi * r + kb + (N - k) + i] = vip_positions[bi * n_p + i];
      }
    }
    Tensor baseline = li < options.score_baselines.size() ? options.score_baselines[li] : Tensor();
    Var phi = straight_through_scores(sel.scores, sel, b, n_p, baseline);  // [B, r], value 1
    Var key_bias = log(add_scalar(phi, 1e-4));
    if (duplicate_bias.defined()) key_bias = key_bias + Var(duplicate_bias);
    CompressedAttention attention{Tensor::from_vector<uint8_t>(key_mask, {B, r}).to(dev), key_bias,
                                  Tensor::from_vector<int64_t>(slot_positions, {B, r}).to(dev)};

    // ---- the layer on r tokens, gated residual (spec §3.5) ----
    Var gamma = layer->residual_branch(z, attention);
    Var updated = z + gamma * unsqueeze(phi, 2);

    // ---- write-back (spec §3.6): refined blocks re-averaged, coarse ones keep their update ----
    Var new_fine = reshape(narrow(updated, 1, 0, kb), {B, k, b, d});
    Var new_coarse = narrow(updated, 1, kb, N - k);
    vips = narrow(updated, 1, kb + (N - k), n_p);
    Var fine_means = tree.coarsen(new_fine, sel.fine);
    Tensor unrank = Tensor::from_vector<int64_t>(inverse_permutation(order, N, B), {B, N}).to(dev);
    means = gather_rows(concat({fine_means, new_coarse}, 1), unrank);
  }

  // ---- exit (spec §3.7): rebuild every token, un-sort, zero padding ----
  Var tokens = reshape(tree.reconstruct(means), {B, n_c, d});
  Var full_sorted = concat({vips, tokens}, 1);
  Tensor unsort = Tensor::from_vector<int64_t>(inverse_permutation(sigma, n, B), {B, n}).to(dev);
  Var restored = gather_rows(full_sorted, unsort);
  out.hidden = restored * Var(Tensor::from_vector<double>(mask_d, {B, n, 1}).to(dt).to(dev));
  return out;
}

}  // namespace vcc
