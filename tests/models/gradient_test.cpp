// Finite-difference checks (float64) of the gradients of whole layers and small models,
// including the shared T5 relative bias table, and of activation checkpointing.
#include <gtest/gtest.h>

#include <functional>

#include "model_test_util.h"
#include "models/roberta.h"
#include "models/t5.h"
#include "nn/bert_layer.h"
#include "nn/t5_encoder_layer.h"

using namespace vcc;
using namespace vcc::testing;

namespace {

Tensor padded_mask() { return Tensor::from_vector<uint8_t>({1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, {2, 5}); }

models::ModelConfig tiny_roberta(bool pre_ln) {
  models::ModelConfig c;
  c.type = "roberta";
  c.vocab_size = 13;
  c.hidden_size = 6;
  c.num_layers = 2;
  c.num_heads = 2;
  c.d_kv = 3;
  c.d_ff = 7;
  c.norm_eps = 1e-5;
  c.pre_ln = pre_ln;
  c.max_position_embeddings = 10;
  c.type_vocab_size = 2;
  c.pooler = true;
  c.heads = {"mlm", "span", "answer_type"};
  return c;
}

models::ModelConfig tiny_t5(bool gated) {
  models::ModelConfig c;
  c.type = "t5";
  c.vocab_size = 11;
  c.hidden_size = 6;
  c.num_layers = 2;
  c.num_decoder_layers = 2;
  c.num_heads = 2;
  c.d_kv = 2;
  c.d_ff = 5;
  c.activation = gated ? "gelu_new" : "relu";
  c.gated_ffn = gated;
  c.norm_eps = 1e-6;
  c.relative_buckets = 8;
  c.relative_max_distance = 10;
  c.tie_word_embeddings = !gated;
  c.pad_token_id = 0;
  c.eos_token_id = 1;
  c.max_position_embeddings = 0;
  c.type_vocab_size = 0;
  c.position_ids = "sequential";
  return c;
}

}  // namespace

class RobertaLayerGradients : public ::testing::TestWithParam<bool> {};

TEST_P(RobertaLayerGradients, MatchFiniteDifferences) {
  nn::BertLayerOptions o;
  o.d_model = 6;
  o.num_heads = 2;
  o.d_ff = 7;
  o.norm_eps = 1e-5;
  o.pre_ln = GetParam();
  nn::BertLayer layer(o, DType::F64);
  randomize(layer, 3);
  layer.eval();
  Var x(randn({2, 5, 6}, 4), true);
  nn::AttentionContext ctx;
  ctx.key_mask = padded_mask();
  ctx.key_bias = Var(randn({2, 5}, 5, DType::F64, 0.3), true);  // VCC's differentiable per-key bias
  const ParamGradResult r = check_parameter_gradients(
      layer, [&] { return layer.forward(x, ctx); }, {{"x", x}, {"key_bias", ctx.key_bias}});
  EXPECT_TRUE(r.ok) << r.report;
}

INSTANTIATE_TEST_SUITE_P(PostAndPreLN, RobertaLayerGradients, ::testing::Values(false, true));

TEST(T5BlockGradients, IncludeTheRelativeBiasTable) {
  nn::T5LayerOptions o;
  o.d_model = 6;
  o.num_heads = 2;
  o.d_kv = 2;
  o.d_ff = 5;
  o.gated = true;
  o.activation = nn::Activation::GeluTanh;
  o.num_buckets = 8;
  o.max_distance = 6;
  o.has_relative_bias = true;
  nn::T5EncoderLayer block(o, DType::F64);
  randomize(block, 6);
  block.eval();
  Var x(randn({2, 5, 6}, 7), true);
  nn::AttentionContext ctx;
  ctx.key_mask = padded_mask();
  ctx.relative_bias_table = block.relative_bias_table();
  // Positions as VCC passes them (not 0..N-1), spread so that several buckets are used.
  ctx.positions = Tensor::from_vector<int64_t>({0, 3, 4, 9, 12, 0, 1, 2, 5, 7}, {2, 5});
  const ParamGradResult r = check_parameter_gradients(block, [&] { return block.forward(x, ctx); }, {{"x", x}});
  EXPECT_TRUE(r.ok) << r.report;
  ASSERT_TRUE(block.relative_bias_table().grad().defined());
  double norm = 0;
  for (double g : values(block.relative_bias_table().grad())) norm += g * g;
  EXPECT_GT(norm, 0.0);
}

TEST(RobertaModelGradients, EmbeddingsLayersPoolerAndHeads) {
  models::RobertaModel model(tiny_roberta(true), DType::F64);
  randomize(model, 8, 0.4);
  model.eval();
  const Tensor ids = Tensor::from_vector<int64_t>({0, 5, 7, 3, 2, 0, 9, 2, 1, 1}, {2, 5});
  const Tensor types = Tensor::from_vector<int64_t>({0, 0, 1, 1, 1, 0, 1, 1, 0, 0}, {2, 5});
  const ParamGradResult r = check_parameter_gradients(model, [&] {
    models::EncoderOutputs out = model.forward({ids, padded_mask(), types, Tensor()});
    const models::SpanLogits span = model.span_head()->forward(out.hidden);
    return concat({reshape(model.mlm_head()->forward(out.hidden), {-1}), reshape(out.pooled, {-1}),
                   reshape(span.start, {-1}), reshape(span.end, {-1}),
                   reshape(model.answer_type_head()->forward(out.hidden), {-1})},
                  0);
  });
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(T5ModelGradients, LossThroughEncoderDecoderAndBothTables) {
  for (bool gated : {false, true}) {
    models::T5Model model(tiny_t5(gated), DType::F64);
    randomize(model, 9, 0.4);
    model.eval();
    const Tensor ids = Tensor::from_vector<int64_t>({4, 5, 6, 7, 1, 8, 9, 1, 0, 0}, {2, 5});
    const Tensor labels = Tensor::from_vector<int64_t>({3, 4, 1, 9, 1, -100}, {2, 3});
    const ParamGradResult r = check_parameter_gradients(model, [&] { return model.loss(ids, padded_mask(), labels); });
    EXPECT_TRUE(r.ok) << (gated ? "v1.1: " : "v1.0: ") << r.report;
  }
}

namespace {

// Parameter gradients of `backward_pass` with and without activation checkpointing
// (`set_checkpointing`) agree to float64 rounding, parameter by parameter.
void expect_checkpointing_keeps_gradients(const nn::Module& model, const std::function<void(bool)>& set_checkpointing,
                                          const std::function<void()>& backward_pass) {
  auto grads = [&](bool checkpointing) {
    set_checkpointing(checkpointing);
    model.zero_grad();
    backward_pass();
    std::vector<Tensor> g;
    for (const auto& [name, p] : model.named_parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : Tensor());
    return g;
  };
  const std::vector<Tensor> plain = grads(false), checkpointed = grads(true);
  ASSERT_EQ(plain.size(), checkpointed.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    ASSERT_EQ(plain[i].defined(), checkpointed[i].defined()) << i;
    if (plain[i].defined()) {
      EXPECT_TRUE(all_close(checkpointed[i], plain[i], 1e-13, 1e-12)) << i;
    }
  }
}

}  // namespace

TEST(ActivationCheckpointing, GivesTheSameGradients) {
  models::RobertaModel model(tiny_roberta(false), DType::F64);
  randomize(model, 10, 0.4);
  model.eval();
  const Tensor ids = Tensor::from_vector<int64_t>({0, 5, 7, 3, 2, 0, 9, 2, 1, 1}, {2, 5});
  expect_checkpointing_keeps_gradients(
      model, [&](bool on) { model.layers().set_checkpointing(on); },
      [&] { sum_all(model.forward({ids, padded_mask(), Tensor(), Tensor()}).pooled).backward(); });
}

TEST(ActivationCheckpointing, T5EncoderAndDecoderGiveTheSameGradients) {
  models::T5Model model(tiny_t5(false), DType::F64);
  randomize(model, 11, 0.4);
  model.eval();
  const Tensor ids = Tensor::from_vector<int64_t>({4, 5, 6, 7, 1, 8, 9, 1, 0, 0}, {2, 5});
  const Tensor labels = Tensor::from_vector<int64_t>({3, 4, 1, 9, 1, -100}, {2, 3});
  expect_checkpointing_keeps_gradients(
      model, [&](bool on) { model.set_gradient_checkpointing(on); },
      [&] { model.loss(ids, padded_mask(), labels).backward(); });
}
