// vcc-convert end to end: import and verify every Hugging Face reference model, the
// import -> export -> import round trip, and clear one-line errors (non-zero exit, nothing
// written) for damaged or mismatched checkpoints.
#include <gtest/gtest.h>

#include <cmath>

#include "convert_test_util.h"
#include "io/checkpoint.h"
#include "io/safetensors.h"

using namespace vcc;
using namespace vcc::testing;
namespace fs = std::filesystem;

namespace {

std::string model_dir(const std::string& name) { return hf_reference_dir() + "/models/" + name; }

// A writable copy of a reference model folder (config.json + model.safetensors).
std::string copy_model(const ScratchDir& dir, const std::string& name) {
  const std::string out = dir / ("hf-" + name);
  fs::create_directories(out);
  fs::copy_file(model_dir(name) + "/config.json", out + "/config.json");
  fs::copy_file(model_dir(name) + "/model.safetensors", out + "/model.safetensors");
  return out;
}

// Rewrites a folder's model.safetensors after `edit` changes its tensor list.
void edit_tensors(const std::string& folder,
                  const std::function<void(std::vector<std::pair<std::string, Tensor>>&)>& edit) {
  const auto r = io::SafetensorsReader::open(folder + "/model.safetensors");
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& n : r.names()) tensors.emplace_back(n, r.read(n));
  edit(tensors);
  io::write_safetensors(folder + "/model.safetensors", tensors);
}

// Everything in the scratch folder besides the inputs the test made ("hf-*").
std::vector<std::string> outputs_in(const ScratchDir& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().filename().string().rfind("hf-", 0) != 0) out.push_back(e.path().filename().string());
  return out;
}

void expect_one_line_failure(const CommandResult& r, const std::string& fragment) {
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(line_count(r.output), 1u) << r.output;
  EXPECT_EQ(r.output.rfind("vcc-convert: error: ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find(fragment), std::string::npos) << r.output;
}

}  // namespace

class ConvertAndVerify : public ::testing::TestWithParam<const char*> {};

TEST_P(ConvertAndVerify, EveryReferenceOutputPasses) {
  ScratchDir dir;
  const std::string name = GetParam(), ckpt = dir / "ckpt";
  const CommandResult imp = run_convert("import --from " + model_dir(name) + " --out " + ckpt);
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  EXPECT_TRUE(io::is_complete_checkpoint(ckpt));
  const CommandResult ver = run_convert("verify --model " + ckpt + " --reference " + hf_reference_dir());
  std::printf("%s", ver.output.c_str());
  EXPECT_EQ(ver.exit_code, 0) << ver.output;
  EXPECT_EQ(ver.output.find("FAIL"), std::string::npos);
  const std::vector<std::string> expected =
      name == "roberta-tiny"
          ? std::vector<std::string>{"padded_batch/last_hidden_state", "padded_batch/pooler_output",
                                     "single_nomask/last_hidden_state", "single_nomask/pooler_output"}
          : std::vector<std::string>{"main/encoder_last_hidden_state", "main/logits", "main/loss",
                                     "main/generate_sequences", "main/generate_step_logits"};
  for (const auto& e : expected) EXPECT_NE(ver.output.find(e), std::string::npos) << e;
}

INSTANTIATE_TEST_SUITE_P(ReferenceModels, ConvertAndVerify,
                         ::testing::Values("roberta-tiny", "t5-v1_0-tiny", "t5-v1_1-tiny"));

// The official VCC implementation's outputs (../shared/data/vcc-reference): a T5 with one
// segment-local layer then two VCC layers, its VCC settings in config.json. The float32 run
// checks outputs (2e-5), selections, selector scores and block masks; the float64 run also
// checks the float64 encoder outputs to 1e-10.
TEST(ConvertAndVerifyVcc, OfficialVccReferenceInFloat32AndFloat64) {
  const std::string ref = std::string(VCC_SHARED_DATA) + "/vcc-reference";
  if (!fs::exists(ref + "/manifest.json")) GTEST_SKIP() << "no " << ref;
  ScratchDir dir;
  const std::string ckpt = dir / "ckpt";
  const CommandResult imp = run_convert("import --from " + ref + "/models/t5vcc-a --out " + ckpt);
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  for (const std::string precision : {"", " --float64"}) {
    const CommandResult ver = run_convert("verify --model " + ckpt + " --reference " + ref + precision);
    std::printf("%s", ver.output.c_str());
    EXPECT_EQ(ver.exit_code, 0) << ver.output;
    EXPECT_EQ(ver.output.find("FAIL"), std::string::npos) << ver.output;
    for (const char* out : {"main/encoder_last_hidden_state", "main/logits", "main/loss", "main/block_mask",
                            "main/fine_block_indices.encoder_block2", "main/selector_log_scores.exact_mean.encoder_block1"})
      EXPECT_NE(ver.output.find(out), std::string::npos) << out;
    const bool f64 = !precision.empty();
    EXPECT_EQ(ver.output.find("SKIP") == std::string::npos, f64) << ver.output;
  }
}

TEST(ConvertRoundTrip, ImportExportImportIsBitIdentical) {
  for (const char* name : {"roberta-tiny", "t5-v1_0-tiny", "t5-v1_1-tiny"}) {
    ScratchDir dir;
    ASSERT_EQ(run_convert("import --from " + model_dir(name) + " --out " + dir / "a").exit_code, 0);
    const CommandResult exp = run_convert("export --from " + dir / "a" + " --out " + dir / "hf");
    ASSERT_EQ(exp.exit_code, 0) << exp.output;
    ASSERT_EQ(run_convert("import --from " + dir / "hf" + " --out " + dir / "b").exit_code, 0);
    const io::TensorFile a = io::read_tensor_file(dir / "a/model.h5"), b = io::read_tensor_file(dir / "b/model.h5");
    ASSERT_EQ(a.tensors.size(), b.tensors.size()) << name;
    for (size_t i = 0; i < a.tensors.size(); ++i) {
      EXPECT_EQ(a.tensors[i].first, b.tensors[i].first);
      EXPECT_EQ(a.tensors[i].second.shape(), b.tensors[i].second.shape());
      EXPECT_EQ(std::memcmp(a.tensors[i].second.raw_data(), b.tensors[i].second.raw_data(), a.tensors[i].second.nbytes()),
                0)
          << name << " " << a.tensors[i].first;
    }
    EXPECT_EQ(a.aliases, b.aliases);
    EXPECT_EQ(read_file(dir / "a/model.yaml"), read_file(dir / "b/model.yaml"));
    // The exported weights are exactly the file Hugging Face saved (same names, tied
    // copies omitted the same way, same header layout).
    EXPECT_EQ(read_file(dir / "hf/model.safetensors"), read_file(model_dir(name) + "/model.safetensors")) << name;
  }
}

TEST(ConvertRoundTrip, ShardedCheckpointsAndTokenizerFiles) {
  ScratchDir dir;
  const std::string hf = dir / "hf-sharded";
  fs::create_directories(hf);
  fs::copy_file(model_dir("t5-v1_1-tiny") + "/config.json", hf + "/config.json");
  const auto r = io::SafetensorsReader::open(model_dir("t5-v1_1-tiny") + "/model.safetensors");
  std::vector<std::pair<std::string, Tensor>> first, second;
  std::string index = R"({"metadata": {"total_size": 0}, "weight_map": {)";
  for (const auto& n : r.names()) {
    const bool one = n.rfind("decoder.", 0) == 0;
    (one ? first : second).emplace_back(n, r.read(n));
    index += "\"" + n + "\": \"model-0000" + (one ? "1" : "2") + "-of-00002.safetensors\", ";
  }
  index = index.substr(0, index.size() - 2) + "}}";
  io::write_safetensors(hf + "/model-00001-of-00002.safetensors", first);
  io::write_safetensors(hf + "/model-00002-of-00002.safetensors", second);
  write_file(hf + "/model.safetensors.index.json", index);
  write_file(hf + "/spiece.model", "sentencepiece model bytes");
  const CommandResult imp = run_convert("import --from " + hf + " --out " + dir / "ckpt");
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  EXPECT_EQ(read_file(dir / "ckpt/tokenizer/spiece.model"), "sentencepiece model bytes");
  EXPECT_EQ(run_convert("verify --model " + dir / "ckpt" + " --reference " + hf_reference_dir()).exit_code, 0);
  ASSERT_EQ(run_convert("export --from " + dir / "ckpt" + " --out " + dir / "out").exit_code, 0);
  EXPECT_EQ(read_file(dir / "out/spiece.model"), "sentencepiece model bytes");
}

// A Hugging Face folder's tokenizer.json goes into the checkpoint (spiece.model would win)
// and comes back out on export.
TEST(ConvertRoundTrip, HuggingFaceTokenizerJsonTravelsWithTheCheckpoint) {
  ScratchDir dir;
  const std::string hf = copy_model(dir, "roberta-tiny");
  const std::string tok = std::string(VCC_SHARED_DATA) + "/tokenizers/roberta-base/tokenizer.json";
  fs::copy_file(tok, hf + "/tokenizer.json");
  const CommandResult imp = run_convert("import --from " + hf + " --out " + dir / "ckpt");
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  EXPECT_NE(imp.output.find("tokenizer: " + hf + "/tokenizer.json"), std::string::npos) << imp.output;
  EXPECT_EQ(read_file(dir / "ckpt/tokenizer/tokenizer.json"), read_file(tok));
  ASSERT_EQ(run_convert("export --from " + dir / "ckpt" + " --out " + dir / "out").exit_code, 0);
  EXPECT_EQ(read_file(dir / "out/tokenizer.json"), read_file(tok));
}

TEST(ConvertErrors, TruncatedSafetensors) {
  ScratchDir dir;
  const std::string hf = copy_model(dir, "roberta-tiny");
  const std::string bytes = read_file(hf + "/model.safetensors");
  write_file(hf + "/model.safetensors", bytes.substr(0, bytes.size() - 1000));
  const CommandResult r = run_convert("import --from " + hf + " --out " + dir / "ckpt");
  expect_one_line_failure(r, hf + "/model.safetensors: tensor '");
  EXPECT_NE(r.output.find("run past the end of the data"), std::string::npos) << r.output;
  EXPECT_TRUE(outputs_in(dir).empty());
}

TEST(ConvertErrors, WrongShape) {
  ScratchDir dir;
  const std::string hf = copy_model(dir, "roberta-tiny");
  edit_tensors(hf, [](auto& t) {
    for (auto& [n, v] : t)
      if (n == "pooler.dense.weight") v = Tensor::zeros({64, 32});
  });
  const CommandResult r = run_convert("import --from " + hf + " --out " + dir / "ckpt");
  expect_one_line_failure(r, "wrong shapes: pooler.dense.weight [64,32] (expected [64,64])");
  EXPECT_TRUE(outputs_in(dir).empty());
}

TEST(ConvertErrors, MissingAndUnexpectedTensors) {
  ScratchDir dir;
  const std::string hf = copy_model(dir, "t5-v1_1-tiny");
  edit_tensors(hf, [](auto& t) {
    t.erase(std::remove_if(t.begin(), t.end(), [](const auto& e) { return e.first == "encoder.block.1.layer.1.layer_norm.weight"; }),
            t.end());
    t.emplace_back("encoder.block.1.layer.2.layer_norm.weight", Tensor::ones({64}));
  });
  const CommandResult r = run_convert("import --from " + hf + " --out " + dir / "ckpt");
  expect_one_line_failure(r, "missing tensors: encoder.block.1.layer.1.layer_norm.weight; unexpected tensors: "
                             "encoder.block.1.layer.2.layer_norm.weight");
  EXPECT_TRUE(outputs_in(dir).empty());
}

TEST(ConvertErrors, UnknownModelType) {
  ScratchDir dir;
  const std::string hf = copy_model(dir, "roberta-tiny");
  std::string cfg = read_file(hf + "/config.json");
  cfg.replace(cfg.find("\"model_type\": \"roberta\""), 23, "\"model_type\": \"gpt_neox\"");
  write_file(hf + "/config.json", cfg);
  const CommandResult r = run_convert("import --from " + hf + " --out " + dir / "ckpt");
  expect_one_line_failure(r, "unsupported model_type 'gpt_neox' (supported: roberta, xlm-roberta, bert, "
                             "roberta-prelayernorm, t5)");
  EXPECT_TRUE(outputs_in(dir).empty());
}

TEST(ConvertErrors, NeverOverwritesWithoutForce) {
  ScratchDir dir;
  fs::create_directories(dir / "ckpt");
  write_file(dir / "ckpt/keep.txt", "mine");
  const CommandResult r = run_convert("import --from " + model_dir("roberta-tiny") + " --out " + dir / "ckpt");
  expect_one_line_failure(r, dir / "ckpt" + " already exists (pass --force to replace it)");
  EXPECT_EQ(read_file(dir / "ckpt/keep.txt"), "mine");
  EXPECT_EQ(run_convert("import --from " + model_dir("roberta-tiny") + " --out " + dir / "ckpt" + " --force").exit_code, 0);
  EXPECT_TRUE(io::is_complete_checkpoint(dir / "ckpt"));
  EXPECT_FALSE(fs::exists(dir / "ckpt/keep.txt"));
  const CommandResult e = run_convert("export --from " + dir / "ckpt" + " --out " + dir / "ckpt");
  expect_one_line_failure(e, "already exists");
}

TEST(ConvertErrors, VerifyFailsForADifferentModel) {
  ScratchDir dir;
  const std::string hf = copy_model(dir, "roberta-tiny");
  edit_tensors(hf, [](auto& t) {
    for (auto& [n, v] : t)
      if (n == "encoder.layer.1.output.LayerNorm.bias") v = Tensor::full({64}, 0.01);
  });
  ASSERT_EQ(run_convert("import --from " + hf + " --out " + dir / "ckpt").exit_code, 0);
  const CommandResult r = run_convert("verify --model " + dir / "ckpt" + " --reference " + hf_reference_dir());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("padded_batch/last_hidden_state"), std::string::npos);
  EXPECT_NE(r.output.find("FAIL"), std::string::npos);
}
