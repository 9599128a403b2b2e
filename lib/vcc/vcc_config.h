#pragma once
// VCC settings (the `vcc.*` config keys) and the compressed-length arithmetic of spec §1.
#include <cstdint>
#include <string>

namespace vcc {

struct VccConfig {
  bool enabled = false;
  int64_t num_vip = 64;         // n_p: VIP slots (fixed count; short queries get filler VIPs)
  int64_t block_size = 16;      // b: tokens per block (the paper's "k" in the scaling table)
  int64_t fine_blocks = 44;     // k: blocks kept at token resolution (the paper's "h")
  int64_t standard_layers = 4;  // L_s: leading segment-local layers before the VCC region
  int64_t segment_size = 512;   // s: segment length of the standard layers
  double explore_prob = 0.1;    // training only: chance of a random block ranking per example
  bool scale_correction = true; // add log(duplicate count) to coarse keys' logits
  double mean_epsilon = 0.0;    // block mean = sum / (count + eps); 1e-4 reproduces the release
  // Attention-probability dropout in the VCC layers' compressed attention (spec §3.5):
  // "spec" as released (RoBERTa: the layer's rate; T5: none), "layer" the layer's own rate
  // for every family, "none" never. The VIPs' block-scoring attention never has dropout.
  std::string attention_dropout = "spec";

  // Blocks N = (n - n_p) / b; error naming the numbers when n - n_p is not a multiple of b.
  int64_t num_blocks(int64_t n) const;
  // Tokens a VCC layer sees: r = n_p + k b + (N - k).
  int64_t compressed_length(int64_t n) const;
  // Checks the settings against a sequence length (k <= N, divisibility, n_p < n).
  void validate(int64_t n) const;
  // Whether a layer whose released VCC form keeps its probability dropout
  // (`layer_keeps_by_spec`) runs with it under this config's attention_dropout.
  bool keeps_attention_dropout(bool layer_keeps_by_spec) const;
  // "n=4096 n_p=64 b=16 N=252 k=44 -> r=836 (4.9x shorter)".
  std::string describe(int64_t n) const;
};

}  // namespace vcc
