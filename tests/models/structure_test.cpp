// Model structure: parameter names and aliases, position ids, the position-table
// extension, segment-local attention, heads, and the model configuration formats.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model_test_util.h"
#include "models/model_factory.h"
#include "models/roberta.h"
#include "models/t5.h"

using namespace vcc;
using namespace vcc::testing;

namespace {

models::ModelConfig small_roberta() {
  models::ModelConfig c;
  c.type = "roberta";
  c.vocab_size = 20;
  c.hidden_size = 8;
  c.num_layers = 3;
  c.num_heads = 2;
  c.d_kv = 4;
  c.d_ff = 12;
  c.max_position_embeddings = 6;  // 2 offset rows + 4 learned rows
  c.type_vocab_size = 3;
  return c;
}

models::ModelConfig small_t5() {
  models::ModelConfig c;
  c.type = "t5";
  c.vocab_size = 20;
  c.hidden_size = 8;
  c.num_layers = 3;
  c.num_decoder_layers = 1;
  c.num_heads = 2;
  c.d_kv = 4;
  c.d_ff = 12;
  c.activation = "relu";
  c.relative_buckets = 8;
  c.relative_max_distance = 16;
  c.pad_token_id = 0;
  c.eos_token_id = 1;
  c.max_position_embeddings = 0;
  c.type_vocab_size = 0;
  c.position_ids = "sequential";
  return c;
}

std::vector<std::string> names_of(const nn::Module& m, bool aliases = false) {
  std::vector<std::string> out;
  for (const auto& [n, p] : m.named_parameters(aliases)) out.push_back(n);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST(ModelNames, RobertaMatchesHuggingFace) {
  models::ModelConfig c = small_roberta();
  c.pooler = true;
  c.heads = {"mlm", "span"};
  models::RobertaModel m(c);
  const auto names = names_of(m);
  for (const char* n : {"embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                        "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.bias",
                        "encoder.layer.2.attention.self.query.weight", "encoder.layer.0.attention.output.dense.bias",
                        "encoder.layer.0.attention.output.LayerNorm.weight", "encoder.layer.1.intermediate.dense.weight",
                        "encoder.layer.1.output.dense.weight", "encoder.layer.1.output.LayerNorm.bias",
                        "pooler.dense.weight", "lm_head.dense.weight", "lm_head.layer_norm.weight", "lm_head.bias",
                        "qa_outputs.weight", "qa_outputs.bias"})
    EXPECT_TRUE(has(names, n)) << n;
  // The MLM decoder is tied: listed only as an alias of the word embeddings.
  EXPECT_FALSE(has(names, "lm_head.decoder.weight"));
  const auto aliases = m.parameter_aliases();
  EXPECT_TRUE(std::find(aliases.begin(), aliases.end(),
                        std::make_pair(std::string("lm_head.decoder.weight"),
                                       std::string("embeddings.word_embeddings.weight"))) != aliases.end());
  EXPECT_TRUE(m.parameter("lm_head.decoder.bias").value().same_storage(m.parameter("lm_head.bias").value()));

  c.pre_ln = true;
  const auto pre = names_of(models::RobertaModel(c));
  for (const char* n : {"encoder.layer.0.attention.LayerNorm.weight", "encoder.layer.0.intermediate.LayerNorm.bias",
                        "LayerNorm.weight"})
    EXPECT_TRUE(has(pre, n)) << n;
  EXPECT_FALSE(has(pre, "encoder.layer.0.output.LayerNorm.weight"));
}

TEST(ModelNames, T5MatchesHuggingFaceWithSharedTables) {
  models::ModelConfig c = small_t5();
  models::T5Model m(c);
  const auto names = names_of(m);
  for (const char* n : {"shared.weight", "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                        "encoder.block.2.layer.0.SelfAttention.q.weight", "encoder.block.2.layer.1.DenseReluDense.wi.weight",
                        "encoder.final_layer_norm.weight", "decoder.block.0.layer.1.EncDecAttention.o.weight",
                        "decoder.block.0.layer.2.DenseReluDense.wo.weight", "decoder.block.0.layer.2.layer_norm.weight",
                        "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"})
    EXPECT_TRUE(has(names, n)) << n;
  // Only block 0 of each stack has a table; the others use it through the context.
  EXPECT_FALSE(has(names, "encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"));
  EXPECT_FALSE(has(names, "lm_head.weight"));  // tied (v1.0)
  const auto with_aliases = names_of(m, true);
  for (const char* n : {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "lm_head.weight"})
    EXPECT_TRUE(has(with_aliases, n)) << n;
  EXPECT_TRUE(m.encoder().attention_context(Tensor(), Tensor()).relative_bias_table.value().same_storage(
      m.parameter("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight").value()));

  c.gated_ffn = true;
  c.activation = "gelu_new";
  c.tie_word_embeddings = false;
  const auto v11 = names_of(models::T5Model(c));
  for (const char* n : {"lm_head.weight", "encoder.block.0.layer.1.DenseReluDense.wi_0.weight",
                        "encoder.block.0.layer.1.DenseReluDense.wi_1.weight"})
    EXPECT_TRUE(has(v11, n)) << n;
}

TEST(PositionIds, FollowEachFamilyRule) {
  models::ModelConfig c = small_roberta();
  const Tensor ids = Tensor::from_vector<int64_t>({0, 7, 1, 9, 1, 1}, {1, 6});  // pad id 1
  EXPECT_EQ(models::make_position_ids(ids, c).to_vector<int64_t>(), (std::vector<int64_t>{2, 3, 1, 4, 1, 1}));
  c.position_ids = "offset";
  EXPECT_EQ(models::make_position_ids(ids, c).to_vector<int64_t>(), (std::vector<int64_t>{2, 3, 4, 5, 6, 7}));
  c.position_ids = "sequential";
  EXPECT_EQ(models::make_position_ids(ids, c).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

TEST(PositionTable, ExtensionTilesTheLearnedRows) {
  models::RobertaModel m(small_roberta());
  randomize(m, 1);
  const Tensor before = m.embeddings().position_embeddings().weight().value().clone();
  m.extend_position_table(2 + 4 * 3 + 1);
  const Tensor after = m.embeddings().position_embeddings().weight().value();
  ASSERT_EQ(after.size(0), 15);
  EXPECT_EQ(m.config().max_position_embeddings, 15);
  for (int64_t r = 0; r < 2; ++r) EXPECT_EQ(values(after.select(0, r)), values(before.select(0, r)));
  for (int64_t p = 0; p < 13; ++p) EXPECT_EQ(values(after.select(0, 2 + p)), values(before.select(0, 2 + p % 4))) << p;
  // The extended model runs on 13 tokens, which the original table could not address.
  std::vector<int64_t> ids(13, 5);
  EXPECT_NO_THROW(m.forward({Tensor::from_vector<int64_t>(ids, {1, 13}), Tensor(), Tensor(), Tensor()}));
  models::RobertaModel small(small_roberta());
  try {
    small.forward({Tensor::from_vector<int64_t>(ids, {1, 13}), Tensor(), Tensor(), Tensor()});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("position id 6 is outside the position table of 6 rows"), std::string::npos)
        << e.what();
  }
}

TEST(PositionTable, SinusoidalInitHasTheNormalDrawsScaleAndIsRejectedWhenUnknown) {
  models::ModelConfig c = small_roberta();
  c.position_ids = "sequential";
  c.position_init = "sinusoidal";
  models::RobertaModel m(c);
  models::init_weights(m, c, 7);
  const Tensor table = m.embeddings().position_embeddings().weight().value();
  const int64_t rows = table.size(0), dim = table.size(1);
  const std::vector<double> v = table.to_vector<double>();
  const double a = 0.02 * std::sqrt(2.0);
  double sq = 0;
  for (int64_t p = 0; p < rows; ++p)
    for (int64_t j = 0; j < dim; ++j) {
      const double angle = p / std::pow(10000.0, static_cast<double>(j - j % 2) / dim);
      EXPECT_NEAR(v[p * dim + j], a * (j % 2 ? std::cos(angle) : std::sin(angle)), 1e-7) << p << "," << j;
      sq += v[p * dim + j] * v[p * dim + j];
    }
  EXPECT_NEAR(std::sqrt(sq / (rows * dim)), 0.02, 0.006);
  // Other tables keep their normal draws: the word embeddings do not depend on the option.
  models::ModelConfig n = c;
  n.position_init = "normal";
  models::RobertaModel normal(n);
  models::init_weights(normal, n, 7);
  EXPECT_EQ(values(normal.embeddings().word_embeddings().weight().value()),
            values(m.embeddings().word_embeddings().weight().value()));
  EXPECT_NE(values(normal.embeddings().position_embeddings().weight().value()), values(table));
  c.position_init = "learned";
  try {
    c.validate();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.position_init = 'learned' is not one of normal, sinusoidal"),
              std::string::npos)
        << e.what();
  }
}

// Segment-local layers (spec 2.1) equal running every segment through the layers alone.
TEST(SegmentLocalAttention, EqualsSegmentsRunSeparately) {
  const int64_t s = 4, segments = 3, n = s * segments;
  for (bool t5 : {false, true}) {
    models::ModelConfig c = t5 ? small_t5() : small_roberta();
    c.segment_local_layers = c.num_layers;
    c.segment_size = s;
    auto model = models::build_model(c, DType::F64);
    randomize(*model, 2);
    model->eval();
    const Tensor h = randn({2, n, 8}, 3);
    std::vector<uint8_t> mask(2 * n, 1);
    for (int64_t i = 9; i < n; ++i) mask[n + i] = 0;  // row 1: last segment partly padded
    const Tensor key_mask = Tensor::from_vector<uint8_t>(mask, {2, n});
    nn::LayerStack* stack = t5 ? &dynamic_cast<models::T5Model&>(*model).encoder().layers()
                               : &dynamic_cast<models::RobertaModel&>(*model).layers();
    nn::AttentionContext ctx;
    ctx.key_mask = key_mask;
    if (t5) ctx.relative_bias_table = dynamic_cast<models::T5Model&>(*model).encoder().relative_bias_table();
    const Tensor local = stack->forward(Var(h), ctx).value();

    stack->set_segment_local(0, s);
    for (int64_t g = 0; g < segments; ++g) {
      nn::AttentionContext part = ctx;
      part.key_mask = key_mask.narrow(1, g * s, s).contiguous();
      const Tensor alone = stack->forward(Var(h.narrow(1, g * s, s).contiguous()), part).value();
      EXPECT_TRUE(all_close(local.narrow(1, g * s, s).contiguous(), alone, 1e-12, 1e-12)) << (t5 ? "t5 " : "roberta ")
                                                                                           << "segment " << g;
    }
    // And it differs from full attention (the test would pass vacuously otherwise).
    EXPECT_GT(max_abs_diff(stack->forward(Var(h), ctx).value(), local), 1e-6);
  }
}

TEST(SegmentLocalAttention, RejectsLengthsNotMultipleOfTheSegment) {
  models::ModelConfig c = small_roberta();
  c.segment_local_layers = 1;
  c.segment_size = 4;
  c.max_position_embeddings = 12;
  models::RobertaModel m(c);
  try {
    m.forward({Tensor::full({1, 6}, 5, DType::I64), Tensor(), Tensor(), Tensor()});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sequence length 6 is not a multiple of the segment size 4"), std::string::npos)
        << e.what();
  }
}

TEST(Heads, MultipleChoiceAndAnswerType) {
  models::ModelConfig c = small_roberta();
  c.heads = {"multiple_choice", "answer_type"};
  models::RobertaModel m(c, DType::F64);
  randomize(m, 4);
  const Tensor hidden = randn({2, 5, 8}, 5);
  const Tensor pos = Tensor::from_vector<int64_t>({1, 3, 0, 2, 4, 0}, {2, 3});
  const Tensor cmask = Tensor::from_vector<uint8_t>({1, 1, 1, 1, 1, 0}, {2, 3});
  const Tensor scores = m.multiple_choice_head()->forward(Var(hidden), pos, cmask).value();
  ASSERT_EQ(scores.shape(), Shape({2, 3}));
  EXPECT_EQ(scores.to_vector<double>()[5], -1000.0);
  const auto w = values(m.parameter("multiple_choice.weight").value());
  const double b = values(m.parameter("multiple_choice.bias").value())[0];
  double want = b;
  for (int64_t j = 0; j < 8; ++j) want += w[j] * values(hidden)[(1 * 5 + 4) * 8 + j];  // row 1, candidate 1 at token 4
  EXPECT_NEAR(scores.to_vector<double>()[4], want, 1e-12);
  EXPECT_EQ(m.answer_type_head()->forward(Var(hidden)).shape(), Shape({2, 3}));
}

TEST(ModelConfigFormats, YamlRoundTripAndStrictKeys) {
  models::ModelConfig c = small_t5();
  c.segment_local_layers = 2;
  c.vcc.enabled = true;
  c.vcc.num_vip = 96;
  c.vcc.mean_epsilon = 1e-4;
  const std::string yaml = models::model_config_to_yaml(c);
  const models::ModelConfig back = models::model_config_from_yaml(yaml, "model.yaml");
  EXPECT_EQ(models::model_config_to_yaml(back), yaml);
  EXPECT_EQ(back.vcc.num_vip, 96);
  EXPECT_TRUE(back.vcc.enabled);
  try {
    models::model_config_from_yaml("model:\n  type: t5\n  hiden_size: 8\n", "bad.yaml");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.yaml"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'model.hidden_size'"), std::string::npos) << msg;
  }
}

TEST(ModelConfigFormats, HuggingFaceConfigs) {
  const auto v10 = models::model_config_from_hf(nlohmann::json::parse(R"({"model_type": "t5", "d_model": 64,
      "d_kv": 16, "d_ff": 128, "num_layers": 2, "num_heads": 4, "feed_forward_proj": "relu", "vocab_size": 1000})"),
                                                "config.json");
  EXPECT_EQ(v10.activation, "relu");
  EXPECT_FALSE(v10.gated_ffn);
  EXPECT_TRUE(v10.tie_word_embeddings);
  EXPECT_EQ(v10.num_decoder_layers, 2);
  const auto v11 = models::model_config_from_hf(nlohmann::json::parse(R"({"model_type": "t5",
      "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false})"), "config.json");
  EXPECT_EQ(v11.activation, "gelu_new");  // Hugging Face maps gated-gelu to the tanh form
  EXPECT_TRUE(v11.gated_ffn);
  const auto bert = models::model_config_from_hf(nlohmann::json::parse(R"({"model_type": "bert", "vocab_size": 30,
      "hidden_size": 8, "num_attention_heads": 2})"), "config.json");
  EXPECT_EQ(bert.position_ids, "sequential");
  EXPECT_EQ(bert.pad_token_id, 0);
  const auto pre = models::model_config_from_hf(nlohmann::json::parse(R"({"model_type": "roberta-prelayernorm",
      "vocab_size": 30, "hidden_size": 8, "num_attention_heads": 2})"), "config.json");
  EXPECT_TRUE(pre.pre_ln);
  EXPECT_EQ(models::model_config_to_hf(pre)["model_type"], "roberta-prelayernorm");
  try {
    models::model_config_from_hf(nlohmann::json::parse(R"({"model_type": "gpt2"})"), "gpt/config.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "gpt/config.json: unsupported model_type 'gpt2' (supported: roberta, xlm-roberta, bert, "
              "roberta-prelayernorm, t5)");
  }
  // Every reference config converts and exports back to the same architecture.
  for (const char* name : {"roberta-tiny", "t5-v1_0-tiny", "t5-v1_1-tiny"}) {
    std::ifstream in(hf_reference(std::string("models/") + name + "/config.json"));
    const auto c = models::model_config_from_hf(nlohmann::json::parse(in), name);
    const auto again = models::model_config_from_hf(models::model_config_to_hf(c), name);
    EXPECT_EQ(models::model_config_to_yaml(again), models::model_config_to_yaml(c)) << name;
  }
}
