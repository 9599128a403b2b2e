#pragma once
// Converting Hugging Face checkpoints (config.json + safetensors) to vcc models and back,
// CTranslate2-style: a converter per HF model_type reads the config and the tensor names
// and fills a frozen ConversionSpec (every expected tensor: vcc name, HF name, shape; the
// HF aliases of tied weights; the HF names knowingly dropped). Import then requires every
// expected tensor exactly once with its shape and every source tensor to be consumed or
// on the ignore list, else one error line naming the tensors.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/model_config.h"
#include "models/parameters.h"
#include "nn/module.h"

namespace vcc::models {

struct TensorSpec {
  std::string name;     // vcc module path
  std::string hf_name;  // name in the Hugging Face checkpoint
  Shape shape;
};

class ConversionSpec {
 public:
  ConversionSpec(std::string hf_model_type, ModelConfig config, std::vector<TensorSpec> tensors,
                 std::vector<std::pair<std::string, std::string>> hf_aliases, std::vector<std::string> ignored);

  const std::string& hf_model_type() const { return hf_model_type_; }
  const ModelConfig& config() const { return config_; }
  // Canonical tensors (each tied weight once), in the model's parameter order.
  const std::vector<TensorSpec>& tensors() const { return tensors_; }
  // (HF alias, HF canonical name): tied copies a checkpoint may or may not contain.
  const std::vector<std::pair<std::string, std::string>>& hf_aliases() const { return hf_aliases_; }
  // HF names accepted and dropped (buffers, heads without a vcc counterpart).
  const std::vector<std::string>& ignored() const { return ignored_; }

 private:
  std::string hf_model_type_;
  ModelConfig config_;
  std::vector<TensorSpec> tensors_;
  std::vector<std::pair<std::string, std::string>> hf_aliases_;
  std::vector<std::string> ignored_;
};

// The spec of a model config: base-model tensors get `hf_prefix` (e.g. "roberta." in the
// task classes RobertaForMaskedLM, ...; "" for RobertaModel and T5).
ConversionSpec make_conversion_spec(const ModelConfig& config, const std::string& hf_prefix);

// A converter per Hugging Face model_type: (config.json, tensor names in the checkpoint,
// source for messages) -> spec.
using Converter = ConversionSpec (*)(const nlohmann::json& hf_config, const std::vector<std::string>& hf_names,
                                     const std::string& source);
const std::map<std::string, Converter>& hf_converters();

struct HfImport {
  ConversionSpec spec;
  NamedTensors weights;               // vcc names, float32
  std::vector<std::string> dropped;   // ignored HF tensors that were present
  std::vector<std::string> tokenizer_files;  // SentencePiece models, tokenizer.json, vocab.txt in the folder
};

// Reads HF_DIR/config.json and its safetensors (single or sharded) and converts them.
HfImport import_hf_folder(const std::string& dir);

// config.json and tensors (HF names, aliases omitted as Hugging Face saves them) for a model.
struct HfExport {
  std::string config_json;  // config.json text
  NamedTensors tensors;
};
HfExport export_hf(const ModelConfig& config, const nn::Module& model);

// SentencePiece model files (*.model) directly inside `dir`, sorted.
std::vector<std::string> sentencepiece_files(const std::string& dir);
// SentencePiece models, then tokenizer.json and vocab.txt if present.
std::vector<std::string> tokenizer_files(const std::string& dir);

}  // namespace vcc::models
