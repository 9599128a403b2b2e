#pragma once
// A small pre-LN Transformer layer built from library ops, implementing the VCC layer
// interface, for oracle tests of the VCC region independent of the model code.
#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "test_util.h"
#include "vcc/vcc_layer.h"

namespace vcc::testing {

struct ToyLayerWeights {
  // ln1_w, ln1_b, wq, wk, wv, wo, ln2_w, ln2_b, w1, b1, w2, b2
  std::vector<Var> w;
  static ToyLayerWeights random(int64_t d, int64_t ff, uint64_t seed, DType dtype = DType::F64) {
    ToyLayerWeights t;
    auto mk = [&](Shape s, double std, double mean_one = 0) {
      Tensor x = randn(s, seed++, DType::F64, std);
      if (mean_one != 0) x = kernels_add_scalar(x, mean_one);
      t.w.emplace_back(x.to(dtype), true);
    };
    mk({d}, 0.1, 1.0);
    mk({d}, 0.1);
    for (int i = 0; i < 4; ++i) mk({d, d}, 1.0 / std::sqrt(static_cast<double>(d)));
    mk({d}, 0.1, 1.0);
    mk({d}, 0.1);
    mk({ff, d}, 1.0 / std::sqrt(static_cast<double>(d)));
    mk({ff}, 0.1);
    mk({d, ff}, 1.0 / std::sqrt(static_cast<double>(ff)));
    mk({d}, 0.1);
    return t;
  }
  static Tensor kernels_add_scalar(const Tensor& x, double a) {
    std::vector<double> v = x.to_vector<double>();
    for (double& e : v) e += a;
    return Tensor::from_vector<double>(v, x.shape());
  }
};

class ToyLayer : public VccLayerInterface {
 public:
  ToyLayer(std::vector<Var> weights, int64_t heads) : w_(std::move(weights)), heads_(heads) {}

  Var vip_block_attention(const Var& vips, const Var& block_means, const Tensor& block_mask, const Tensor&,
                          const Tensor&) override {
    const int64_t B = vips.size(0), np = vips.size(1), N = block_means.size(1), d = vips.size(2);
    const int64_t dh = d / heads_;
    Var q = permute(reshape(linear(layer_norm(vips, w_[0], w_[1], 1e-5), w_[2]), {B, np, heads_, dh}), {0, 2, 1, 3});
    Var k = permute(reshape(linear(layer_norm(block_means, w_[0], w_[1], 1e-5), w_[3]), {B, N, heads_, dh}),
                    {0, 2, 1, 3});
    Var logits = matmul(q, k, false, true, 1.0 / std::sqrt(static_cast<double>(dh)));
    std::vector<double> bias(B * N);
    std::vector<double> m = block_mask.to_vector<double>();
    for (int64_t i = 0; i < B * N; ++i) bias[i] = -1000.0 * (1.0 - m[i]);
    Var mask_bias(Tensor::from_vector<double>(bias, {B, 1, 1, N}).to(vips.dtype()));
    return softmax(logits + mask_bias, -1);
  }

  Var residual_branch(const Var& z, const CompressedAttention& att) override {
    return branch(z, att.key_mask, att.key_bias);
  }

  // Residual branch with an arbitrary key mask / bias (the full-attention reference uses it).
  Var branch(const Var& z, const Tensor& key_mask, const Var& key_bias) {
    const int64_t B = z.size(0), r = z.size(1), d = z.size(2), dh = d / heads_;
    Var h = layer_norm(z, w_[0], w_[1], 1e-5);
    Var q = reshape(linear(h, w_[2]), {B, r, heads_, dh});
    Var k = reshape(linear(h, w_[3]), {B, r, heads_, dh});
    Var v = reshape(linear(h, w_[4]), {B, r, heads_, dh});
    AttentionOptions opt;
    opt.scale = 1.0 / std::sqrt(static_cast<double>(dh));
    opt.key_mask = key_mask;
    opt.key_bias = key_bias;
    Var a = linear(reshape(attention(q, k, v, opt), {B, r, d}), w_[5]);
    Var f = linear(gelu(linear(layer_norm(z + a, w_[6], w_[7], 1e-5), w_[8], w_[9])), w_[10], w_[11]);
    return a + f;
  }

 private:
  std::vector<Var> w_;
  int64_t heads_;
};

}  // namespace vcc::testing
