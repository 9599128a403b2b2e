#include "models/flop_count.h"

#include <algorithm>

namespace vcc::models {

namespace {

// One encoder layer: `queries` tokens attending to `keys` tokens each.
double encoder_layer_flops(const ModelConfig& c, double queries, double keys) {
  const double d = static_cast<double>(c.hidden_size), inner = static_cast<double>(c.inner_dim());
  const double ff = static_cast<double>(c.d_ff) * (c.gated_ffn ? 3.0 : 2.0);  // in + out (+ gate)
  const double projections = 2.0 * queries * d * (4.0 * inner);               // q, k, v, o
  const double feed_forward = 2.0 * queries * d * ff;
  const double attention = 2.0 * 2.0 * queries * keys * inner;                // Q K^T and P V
  return projections + feed_forward + attention;
}

}  // namespace

StepFlops count_step_flops(const ModelConfig& c, int64_t length, int64_t target_length) {
  StepFlops f;
  const double n = static_cast<double>(length), d = static_cast<double>(c.hidden_size);
  const double inner = static_cast<double>(c.inner_dim());
  const int64_t L = c.num_layers;
  int64_t standard = L, local = std::min(c.segment_local_layers, L);
  int64_t segment = c.segment_size;
  if (c.vcc.enabled) {
    standard = std::min(c.vcc.standard_layers, L);
    local = standard;
    segment = c.vcc.segment_size;
  }
  const double local_keys = static_cast<double>(std::min<int64_t>(segment, length));
  f.standard_layers = static_cast<double>(local) * encoder_layer_flops(c, n, local_keys) +
                      static_cast<double>(standard - local) * encoder_layer_flops(c, n, n);
  if (c.vcc.enabled && standard < L) {
    const double r = static_cast<double>(c.vcc.compressed_length(length));
    const double vips = static_cast<double>(c.vcc.num_vip), blocks = static_cast<double>(c.vcc.num_blocks(length));
    // Scoring: the VIPs' queries and the block means' keys (projections), then VIP x block logits.
    const double scoring = 2.0 * (vips + blocks) * d * inner + 2.0 * vips * blocks * inner;
    f.vcc_layers = static_cast<double>(L - standard) * (encoder_layer_flops(c, r, r) + scoring);
  }
  if (c.is_t5()) {
    const double t = static_cast<double>(target_length);
    const double ff = static_cast<double>(c.d_ff) * (c.gated_ffn ? 3.0 : 2.0);
    const double self = encoder_layer_flops(c, t, t) - 2.0 * t * d * ff;  // attention block only
    const double cross = 2.0 * t * d * (2.0 * inner) + 2.0 * n * d * (2.0 * inner) + 2.0 * 2.0 * t * n * inner;
    f.decoder = static_cast<double>(c.num_decoder_layers) * (self + cross + 2.0 * t * d * ff);
    f.heads = 2.0 * t * d * static_cast<double>(c.vocab_size);
  } else {
    if (c.has_head("span")) f.heads += 2.0 * n * d * 2.0;      // start/end logits per token
    if (c.has_head("answer_type")) f.heads += 2.0 * d * 3.0;   // from position 0 only
  }
  return f;
}

}  // namespace vcc::models
