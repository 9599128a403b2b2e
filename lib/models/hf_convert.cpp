#include "models/hf_convert.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "io/json_error.h"
#include "io/safetensors.h"
#include "models/model_factory.h"

namespace vcc::models {
namespace {

using nlohmann::json;

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Heads of the BERT family that live outside the base model in Hugging Face checkpoints.
bool is_head_tensor(const std::string& name) {
  return starts_with(name, "lm_head.") || starts_with(name, "cls.") || starts_with(name, "qa_outputs.") ||
         starts_with(name, "answer_type.") || starts_with(name, "multiple_choice.");
}

std::string base_prefix(const std::string& hf_type) {
  if (hf_type == "bert") return "bert.";
  if (hf_type == "roberta-prelayernorm") return "roberta_prelayernorm.";
  return "roberta.";  // roberta, xlm-roberta
}

ConversionSpec bert_family_converter(const json& hf, const std::vector<std::string>& names, const std::string& source) {
  ModelConfig c = model_config_from_hf(hf, source);
  const std::string hf_type = hf.at("model_type").get<std::string>();
  const std::string prefix = base_prefix(hf_type);
  const std::set<std::string> present(names.begin(), names.end());
  // Task classes (RobertaForMaskedLM, ...) nest the base model under the prefix.
  const bool prefixed = std::any_of(names.begin(), names.end(), [&](const std::string& n) { return starts_with(n, prefix); });
  const std::string p = prefixed ? prefix : "";
  c.pooler = present.count(p + "pooler.dense.weight") > 0;
  const std::string mlm = c.type == "bert" ? "cls.predictions." : "lm_head.";
  if (std::any_of(names.begin(), names.end(), [&](const std::string& n) { return starts_with(n, mlm); }))
    c.heads.push_back("mlm");
  if (present.count("qa_outputs.weight")) c.heads.push_back("span");
  c.validate();
  ConversionSpec base = make_conversion_spec(c, p);
  std::vector<std::string> ignored = base.ignored();
  ignored.push_back(p + "embeddings.position_ids");   // a buffer older checkpoints saved
  ignored.push_back(p + "embeddings.token_type_ids");
  ignored.push_back("cls.seq_relationship.weight");   // BERT next-sentence head: no vcc counterpart
  ignored.push_back("cls.seq_relationship.bias");
  return ConversionSpec(hf_type, c, base.tensors(), base.hf_aliases(), ignored);
}

ConversionSpec t5_converter(const json& hf, const std::vector<std::string>& names, const std::string& source) {
  (void)names;
  ConversionSpec base = make_conversion_spec(model_config_from_hf(hf, source), "");
  std::vector<std::string> ignored = base.ignored();
  // Old checkpoints carry a cross-attention bias table that T5 never uses.
  ignored.push_back("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight");
  return ConversionSpec("t5", base.config(), base.tensors(), base.hf_aliases(), ignored);
}

std::string read_text(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.good(), "cannot open ", what, " ", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool same_values(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), a.nbytes()) == 0;
}

}  // namespace

ConversionSpec::ConversionSpec(std::string hf_model_type, ModelConfig config, std::vector<TensorSpec> tensors,
                               std::vector<std::pair<std::string, std::string>> hf_aliases,
                               std::vector<std::string> ignored)
    : hf_model_type_(std::move(hf_model_type)),
      config_(std::move(config)),
      tensors_(std::move(tensors)),
      hf_aliases_(std::move(hf_aliases)),
      ignored_(std::move(ignored)) {}

ConversionSpec make_conversion_spec(const ModelConfig& config, const std::string& hf_prefix) {
  // The expected names and shapes come from the model itself, so converter and model
  // cannot drift apart.
  const auto model = build_model(config);
  auto hf_name = [&](const std::string& name) {
    return config.is_t5() || is_head_tensor(name) ? name : hf_prefix + name;
  };
  std::vector<TensorSpec> tensors;
  for (const auto& [name, p] : model->named_parameters()) tensors.push_back({name, hf_name(name), p.shape()});
  std::vector<std::pair<std::string, std::string>> aliases;
  for (const auto& [alias, canonical] : model->parameter_aliases()) aliases.emplace_back(hf_name(alias), hf_name(canonical));
  std::string hf_type = config.is_t5() ? "t5" : config.pre_ln ? "roberta-prelayernorm" : config.type;
  return ConversionSpec(hf_type, config, tensors, aliases, {});
}

const std::map<std::string, Converter>& hf_converters() {
  static const std::map<std::string, Converter> converters = {
      {"roberta", &bert_family_converter},
      {"xlm-roberta", &bert_family_converter},
      {"bert", &bert_family_converter},
      {"roberta-prelayernorm", &bert_family_converter},
      {"t5", &t5_converter},
  };
  return converters;
}

std::vector<std::string> tokenizer_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out = sentencepiece_files(dir);
  // Hugging Face tokenizers that one file describes (vocab.json needs merges.txt too, and a
  // checkpoint keeps one tokenizer file, so it is not taken).
  for (const char* name : {"tokenizer.json", "vocab.txt"})
    if (fs::is_regular_file(fs::path(dir) / name)) out.push_back((fs::path(dir) / name).string());
  return out;
}

std::vector<std::string> sentencepiece_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".model") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

HfImport import_hf_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  VCC_USER_CHECK(fs::is_directory(dir), dir, ": not a folder");
  const std::string config_path = (fs::path(dir) / "config.json").string();
  json hf;
  const std::string text = read_text(config_path, "Hugging Face config");
  try {
    hf = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(io::json_error_message(e, text, config_path));
  }
  VCC_USER_CHECK(hf.is_object() && hf.contains("model_type") && hf["model_type"].is_string(), config_path,
                 ": no 'model_type'");
  const std::string type = hf["model_type"].get<std::string>();
  const auto& converters = hf_converters();
  auto conv = converters.find(type);
  VCC_USER_CHECK(conv != converters.end(), config_path, ": unsupported model_type '", type,
                 "' (supported: ", list_names(supported_hf_model_types(), 99), ")");
  const io::SafetensorsFolder st = io::SafetensorsFolder::open(dir);
  const std::vector<std::string> names = st.names();
  const ConversionSpec spec = conv->second(hf, names, config_path);

  std::map<std::string, std::vector<std::string>> sources;  // canonical HF name -> HF names holding it
  for (const TensorSpec& t : spec.tensors()) sources[t.hf_name].push_back(t.hf_name);
  for (const auto& [alias, canonical] : spec.hf_aliases()) sources.at(canonical).push_back(alias);
  std::set<std::string> consumed;
  std::vector<std::string> missing, misshaped, conflicting;
  HfImport out{spec, {}, {}, tokenizer_files(dir)};
  for (const TensorSpec& t : spec.tensors()) {
    std::vector<std::string> found;
    for (const std::string& n : sources.at(t.hf_name))
      if (st.contains(n)) found.push_back(n);
    if (found.empty()) {
      missing.push_back(t.hf_name);
      continue;
    }
    bool shapes_ok = true;
    for (const std::string& n : found) {
      consumed.insert(n);
      if (st.entry(n).shape != t.shape) {
        misshaped.push_back(n + " " + st.entry(n).shape.str() + " (expected " + t.shape.str() + ")");
        shapes_ok = false;
      }
    }
    if (!shapes_ok) continue;
    Tensor value = st.read_float32(found[0]);
    // A checkpoint that stores a tied weight twice must store the same values.
    for (size_t i = 1; i < found.size(); ++i)
      if (!same_values(value, st.read_float32(found[i]))) conflicting.push_back(found[0] + " vs " + found[i]);
    out.weights.emplace_back(t.name, value);
  }
  std::vector<std::string> unexpected;
  const std::set<std::string> ignored(spec.ignored().begin(), spec.ignored().end());
  for (const std::string& n : names) {
    if (consumed.count(n)) continue;
    if (ignored.count(n)) out.dropped.push_back(n);
    else unexpected.push_back(n);
  }
  std::string problems;
  auto report = [&](const char* what, const std::vector<std::string>& list) {
    if (!list.empty()) problems += std::string(problems.empty() ? "" : "; ") + what + ": " + list_names(list);
  };
  report("missing tensors", missing);
  report("unexpected tensors", unexpected);
  report("wrong shapes", misshaped);
  report("tied copies that differ", conflicting);
  VCC_USER_CHECK(problems.empty(), dir, ": cannot convert ", type, " checkpoint: ", problems);
  return out;
}

HfExport export_hf(const ModelConfig& config, const nn::Module& model) {
  for (const std::string& h : config.heads)
    VCC_USER_CHECK(h == "mlm" || h == "span", "export: head '", h,
                   "' has no Hugging Face counterpart; export a model without it (model.heads)");
  // Hugging Face task classes nest the base model under a prefix; RobertaModel does not.
  const std::string hf_type = config.is_t5() ? "t5" : config.pre_ln ? "roberta-prelayernorm" : config.type;
  const std::string prefix = config.is_t5() || config.heads.empty() ? "" : base_prefix(hf_type);
  const ConversionSpec spec = make_conversion_spec(config, prefix);
  std::map<std::string, Tensor> values;
  for (const auto& [name, p] : model.named_parameters()) values.emplace(name, p.value());
  HfExport out;
  out.config_json = model_config_to_hf(config).dump(2) + "\n";
  for (const TensorSpec& t : spec.tensors()) {
    auto it = values.find(t.name);
    VCC_USER_CHECK(it != values.end(), "export: the model has no parameter '", t.name, "' its config implies");
    VCC_USER_CHECK(it->second.shape() == t.shape, "export: parameter '", t.name, "' has shape ", it->second.shape().str(),
                   ", the config implies ", t.shape.str());
    out.tensors.emplace_back(t.hf_name, it->second.to(DType::F32));
  }
  return out;
}

}  // namespace vcc::models
