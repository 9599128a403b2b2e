// The models reproduce Hugging Face's outputs on the reference checkpoints
// (/work/shared/data/hf-reference): RoBERTa hidden states and pooler; T5 v1.0 and v1.1
// encoder states, logits, loss, greedy sequences and per-step logits.
#include <gtest/gtest.h>

#include "io/npy.h"
#include "model_test_util.h"
#include "models/generation.h"
#include "models/hf_reference.h"
#include "models/roberta.h"
#include "models/t5.h"

using namespace vcc;
using namespace vcc::testing;

namespace {

void expect_all_pass(const models::VerifyReport& report) {
  ASSERT_FALSE(report.comparisons.empty());
  for (const auto& c : report.comparisons) {
    EXPECT_TRUE(c.pass) << models::format_comparison(c);
    std::printf("  %s\n", models::format_comparison(c).c_str());
  }
}

Tensor ref(const std::string& model, const std::string& file) {
  return io::read_npy(hf_reference("refs/" + model + "/" + file + ".npy"));
}

}  // namespace

TEST(HfReference, RobertaHiddenStatesAndPooler) {
  auto model = load_reference_model<models::RobertaModel>("roberta-tiny");
  NoGradGuard no_grad;
  const Tensor ids = ref("roberta-tiny", "padded_batch.input_ids"), mask = ref("roberta-tiny", "padded_batch.attention_mask");
  const models::EncoderOutputs out = model->forward({ids, mask, Tensor(), Tensor()});
  const Tensor want = ref("roberta-tiny", "padded_batch.last_hidden_state");
  const std::vector<int64_t> m = mask.to_vector<int64_t>();
  const std::vector<double> got = values(out.hidden.value()), exp = values(want);
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (m[i / 64]) worst = std::max(worst, std::fabs(got[i] - exp[i]));
  EXPECT_LT(worst, 1e-4);
  EXPECT_TRUE(all_close(out.pooled.value(), ref("roberta-tiny", "padded_batch.pooler_output"), 1e-4, 1e-4));
  expect_all_pass(models::verify_against_reference(*model, model->config(), hf_reference_dir(), "roberta-tiny"));
}

class T5Reference : public ::testing::TestWithParam<const char*> {};

TEST_P(T5Reference, EncoderLogitsLossAndGreedyGeneration) {
  const std::string name = GetParam();
  auto model = load_reference_model<models::T5Model>(name);
  expect_all_pass(models::verify_against_reference(*model, model->config(), hf_reference_dir(), name));

  // The decoder inputs Hugging Face built from the labels are shift_right(labels).
  EXPECT_EQ(models::shift_right(ref(name, "labels"), 0, 0).to_vector<int64_t>(),
            ref(name, "labels_shifted_decoder_input_ids").to_vector<int64_t>());

  // Generating without the key/value cache gives the same ids (as Hugging Face's no-cache run).
  models::GenerationOptions o;
  o.max_new_tokens = 10;
  o.use_cache = false;
  o.output_step_logits = true;
  const models::GenerationOutput g = models::generate(*model, ref(name, "input_ids"), ref(name, "attention_mask"), o);
  EXPECT_EQ(g.sequences.to_vector<int64_t>(), ref(name, "generate_sequences").to_vector<int64_t>());
}

INSTANTIATE_TEST_SUITE_P(V10AndV11, T5Reference, ::testing::Values("t5-v1_0-tiny", "t5-v1_1-tiny"));

TEST(HfReference, VerifierFailsOnWrongWeights) {
  // A perturbed model must fail verification: the comparison can detect a difference.
  auto model = load_reference_model<models::T5Model>("t5-v1_1-tiny");
  Tensor w = model->parameter("decoder.final_layer_norm.weight").value();
  w.copy_(Tensor::full(w.shape(), 0.5));
  const models::VerifyReport r = models::verify_against_reference(*model, model->config(), hf_reference_dir(), "t5-v1_1-tiny");
  EXPECT_FALSE(r.all_pass());
  bool encoder_passes = false, logits_fail = false;
  for (const auto& c : r.comparisons) {
    if (c.output == "encoder_last_hidden_state") encoder_passes = c.pass;
    if (c.output == "logits") logits_fail = !c.pass;
  }
  EXPECT_TRUE(encoder_passes);
  EXPECT_TRUE(logits_fail);
}

TEST(HfReference, MatchingModelsByArchitecture) {
  auto model = load_reference_model<models::T5Model>("t5-v1_0-tiny");
  EXPECT_EQ(models::matching_reference_models(model->config(), hf_reference_dir()),
            std::vector<std::string>{"t5-v1_0-tiny"});
}
