// VCC through the real model layers, float64: BertLayer post-LN and pre-LN against full
// attention (every block fine) and against the explicit full-length form of spec §3.8, and
// the compressed attention's probability dropout per layer family (spec §3.5).
#include <gtest/gtest.h>

#include <memory>

#include "core/error.h"
#include "core/rng.h"
#include "models/model_test_util.h"
#include "nn/bert_layer.h"
#include "nn/layer_stack.h"
#include "nn/t5_encoder_layer.h"
#include "vcc/encoder_layer_adapter.h"
#include "vcc/vcc_stack.h"
#include "vcc_oracle.h"

using namespace vcc;
using namespace vcc::testing;

namespace {

constexpr int64_t kDim = 16;

std::shared_ptr<nn::BertLayer> bert_layer(bool pre_ln, uint64_t seed, double hidden_dropout = 0.1,
                                          double attention_dropout = 0.1) {
  nn::BertLayerOptions o;
  o.d_model = kDim;
  o.num_heads = 2;
  o.d_ff = 24;
  o.norm_eps = 1e-5;
  o.pre_ln = pre_ln;
  o.hidden_dropout = hidden_dropout;
  o.attention_dropout = attention_dropout;
  auto layer = std::make_shared<nn::BertLayer>(o, DType::F64);
  randomize(*layer, seed, 0.3);
  return layer;
}

std::shared_ptr<nn::T5EncoderLayer> t5_layer(uint64_t seed, double dropout) {
  nn::T5LayerOptions o;
  o.d_model = kDim;
  o.num_heads = 2;
  o.d_kv = 8;
  o.d_ff = 24;
  o.dropout = dropout;
  auto layer = std::make_shared<nn::T5EncoderLayer>(o, DType::F64);
  randomize(*layer, seed, 0.3);
  return layer;
}

struct AdaptedLayers {
  std::vector<std::unique_ptr<EncoderLayerAdapter>> adapters;
  std::vector<VccLayerInterface*> raw() const {
    std::vector<VccLayerInterface*> out;
    for (const auto& a : adapters) out.push_back(a.get());
    return out;
  }
};

AdaptedLayers adapt(const std::vector<std::shared_ptr<nn::BertLayer>>& layers) {
  AdaptedLayers a;
  for (const auto& l : layers) a.adapters.push_back(std::make_unique<EncoderLayerAdapter>(*l, Var(), true));
  return a;
}

class BertLayerVcc : public ::testing::TestWithParam<bool> {};

// k = N: nothing is compressed, so VCC through the real layers is the full-attention stack.
TEST_P(BertLayerVcc, EveryBlockFineEqualsFullAttention) {
  const bool pre_ln = GetParam();
  Problem p = make_problem(8 + 6 * 4, 8 + 13, 5, 3, 1, false, kDim);
  std::vector<std::shared_ptr<nn::BertLayer>> layers{bert_layer(pre_ln, 100), bert_layer(pre_ln, 200)};
  for (auto& l : layers) l->eval();
  AdaptedLayers adapted = adapt(layers);
  NoGradGuard no_grad;
  VccOutputs out = run_vcc_region({Var(p.hidden), p.mask, p.importance, {}}, adapted.raw(), oracle_config(8, 4, 6));
  nn::AttentionContext ctx;
  ctx.key_mask = p.mask.to(DType::U8);
  Var h(p.hidden);
  for (auto& l : layers) h = l->forward(h, ctx);
  EXPECT_LT(masked_max_diff(out.hidden.value(), h.value(), p.mask), 1e-10) << (pre_ln ? "pre-LN" : "post-LN");
}

// k < N: the lazy tree through the real layers equals the explicit full-length form.
TEST_P(BertLayerVcc, LazyTreeEqualsExplicitFullLengthReference) {
  const bool pre_ln = GetParam();
  const int64_t n_p = 6, b = 4, N = 10, n = n_p + N * b, k = 3;
  for (bool scattered : {false, true}) {
    Problem p = make_problem(n, 29, 4, 9, 7, scattered, kDim);
    std::vector<std::shared_ptr<nn::BertLayer>> layers{bert_layer(pre_ln, 300), bert_layer(pre_ln, 400),
                                                       bert_layer(pre_ln, 500)};
    for (auto& l : layers) l->eval();
    AdaptedLayers adapted = adapt(layers);
    VccConfig c = oracle_config(n_p, b, k);
    NoGradGuard no_grad;
    VccOutputs out = run_vcc_region({Var(p.hidden), p.mask, p.importance, {}}, adapted.raw(), c);
    Tensor ref = explicit_vcc_reference(p, adapted.raw(), c, out);
    EXPECT_LT(max_abs_diff(out.hidden.value(), ref), 1e-10)
        << (pre_ln ? "pre-LN" : "post-LN") << ", scattered VIPs " << scattered;
    EXPECT_EQ(out.layers[0].fine_blocks.size(1), k);
  }
}

INSTANTIATE_TEST_SUITE_P(PostAndPreLN, BertLayerVcc, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "PreLN" : "PostLN"; });

// A two-layer stack run entirely by VCC in training mode, from the same dropout state.
Tensor train_step_output(nn::LayerStack& stack, const Problem& p, const std::string& attention_dropout) {
  VccConfig c = oracle_config(6, 4, 3);
  c.standard_layers = 0;
  c.attention_dropout = attention_dropout;
  install_vcc(stack, c);
  for (size_t i = 0; i < stack.size(); ++i) stack.layer(i).train();
  nn::AttentionContext ctx;
  ctx.key_mask = p.mask;
  ctx.importance_mask = p.importance;
  default_generator().set_state(1234, 0);
  NoGradGuard no_grad;
  return stack.forward(Var(p.hidden), ctx).value();
}

// Spec §3.5: RoBERTa's VCC attention keeps attention_probs_dropout_prob. With hidden dropout
// off, "none" is exactly the evaluation-mode result and "spec" equals "layer".
TEST(VccAttentionDropout, BertLayersKeepTheirProbabilityDropoutBySpec) {
  Problem p = make_problem(6 + 10 * 4, 29, 4, 9, 3, false, kDim);
  nn::LayerStack stack;
  stack.add(bert_layer(true, 600, /*hidden_dropout=*/0.0, /*attention_dropout=*/0.3));
  stack.add(bert_layer(true, 700, 0.0, 0.3));
  const Tensor spec = train_step_output(stack, p, "spec");
  const Tensor layer = train_step_output(stack, p, "layer");
  const Tensor none = train_step_output(stack, p, "none");
  EXPECT_EQ(max_abs_diff(spec, layer), 0.0);
  EXPECT_GT(max_abs_diff(spec, none), 1e-3);
  for (size_t i = 0; i < stack.size(); ++i) stack.layer(i).eval();
  nn::AttentionContext ctx;
  ctx.key_mask = p.mask;
  ctx.importance_mask = p.importance;
  NoGradGuard no_grad;
  EXPECT_EQ(max_abs_diff(none, stack.forward(Var(p.hidden), ctx).value()), 0.0);
}

// Spec §3.5: T5's VCC attention has no probability dropout although its standard layers do:
// "spec" draws exactly the dropout masks "none" draws; "layer" adds the probability dropout.
TEST(VccAttentionDropout, T5LayersDropNoAttentionProbabilitiesBySpec) {
  Problem p = make_problem(6 + 10 * 4, 29, 4, 9, 5, false, kDim);
  nn::LayerStack stack;
  stack.add(t5_layer(800, 0.3));
  stack.add(t5_layer(900, 0.3));
  const Tensor spec = train_step_output(stack, p, "spec");
  const Tensor none = train_step_output(stack, p, "none");
  const Tensor layer = train_step_output(stack, p, "layer");
  EXPECT_EQ(max_abs_diff(spec, none), 0.0);
  EXPECT_GT(max_abs_diff(spec, layer), 1e-3);
}

TEST(VccAttentionDropout, UnknownSettingIsAnErrorNamingTheKey) {
  VccConfig c;
  c.attention_dropout = "sometimes";
  try {
    c.keeps_attention_dropout(true);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.vcc.attention_dropout is 'sometimes'"), std::string::npos) << e.what();
  }
}

}  // namespace
