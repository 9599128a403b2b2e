#pragma once
// ModelConfig: every architecture field of the supported Transformers (RoBERTa, BERT,
// XLM-R, the pre-LN RoBERTa of the VCC paper, T5 v1.0/v1.1), read from a Hugging Face
// config.json and to/from the `model.*` options of a YAML config (strict: unknown keys are
// errors that suggest the nearest name).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "io/config.h"
#include "vcc/vcc_config.h"

namespace vcc::models {

struct ModelConfig {
  std::string type = "roberta";       // roberta | xlm-roberta | bert | t5
  int64_t vocab_size = 50265;
  int64_t hidden_size = 768;          // d_model
  int64_t num_layers = 12;            // encoder layers
  int64_t num_decoder_layers = 0;     // T5 only
  int64_t num_heads = 12;
  int64_t d_kv = 64;                  // per-head size (hidden_size / num_heads for the BERT family)
  int64_t d_ff = 3072;                // intermediate (feed-forward) size
  std::string activation = "gelu";    // gelu (erf) | gelu_new (tanh form) | relu
  bool gated_ffn = false;             // T5 v1.1: act(wi_0 x) * (wi_1 x)
  double norm_eps = 1e-5;             // LayerNorm / RMS norm epsilon
  bool pre_ln = false;                // pre-LN layers + final LayerNorm (the VCC paper's RoBERTa)
  int64_t max_position_embeddings = 514;
  // How token positions index the position table (BERT family):
  //   padding:    HF RoBERTa/XLM-R, pos = cumsum(id != pad) * (id != pad) + pad
  //   sequential: BERT, pos = 0..n-1
  //   offset:     the VCC paper's RoBERTa, pos = pad + 1 + (0..n-1) for every token
  std::string position_ids = "padding";
  // How a fresh position table is drawn: normal (N(0, 0.02), as Hugging Face) or sinusoidal
  // (Vaswani et al.'s sin/cos of the row index at the same standard deviation, still learned):
  // attending "k tokens back" is then one linear map for every position, which models trained
  // from scratch on long inputs find far sooner than with independent random rows.
  std::string position_init = "normal";
  int64_t type_vocab_size = 1;
  int64_t pad_token_id = 1;
  int64_t bos_token_id = 0;
  int64_t eos_token_id = 2;
  int64_t decoder_start_token_id = 0;  // T5
  int64_t relative_buckets = 32;       // T5 relative-position buckets
  int64_t relative_max_distance = 128;
  bool tie_word_embeddings = true;     // T5 v1.0 (with the d_model^-0.5 output scale); MLM decoder
  double hidden_dropout = 0.1;
  double attention_dropout = 0.1;
  int64_t segment_local_layers = 0;    // the first layers attend only within segments (spec 2.1)
  int64_t segment_size = 512;
  bool pooler = false;                 // BERT family: tanh(dense(h[:, 0]))
  // Task heads on top of the encoder (BERT family): mlm, span, answer_type, multiple_choice.
  std::vector<std::string> heads;
  VccConfig vcc;

  bool is_t5() const { return type == "t5"; }
  bool is_bert_family() const { return !is_t5(); }
  bool has_head(const std::string& name) const;
  // Rows of the position table before the learned ones (RoBERTa: pad + 1 = 2; BERT: 0).
  int64_t position_offset() const;
  int64_t inner_dim() const { return num_heads * d_kv; }
  // Consistency checks (known type/activation, divisibility, ranges); errors name the key.
  void validate() const;
  // "roberta: 12 layers, hidden 768, 12 heads x 64, ff 3072 (gelu), post-LN, vocab 50265".
  std::string describe() const;
};

// The `model.*` options (architecture and model.vcc.*) with defaults and help lines.
void register_model_options(io::OptionRegistry& registry);
// Reads the model.* options of a Config (built over a registry with register_model_options).
ModelConfig model_config_from(const io::Config& config);
// Writes every field into the model.* options of `config`.
void store_model_config(const ModelConfig& model, io::Config& config);

// YAML: the `model:` section (as in a training config). Unknown keys, wrong types and
// anything outside `model:` are errors naming `source` and the key.
ModelConfig model_config_from_yaml(const std::string& text, const std::string& source);
std::string model_config_to_yaml(const ModelConfig& model);

// Hugging Face config.json (model_type roberta, xlm-roberta, bert, roberta-prelayernorm,
// t5). An unknown model_type is an error listing the supported ones; options vcc cannot
// reproduce (e.g. relative position embeddings in BERT, decoders) are errors naming the key.
ModelConfig model_config_from_hf(const nlohmann::json& hf, const std::string& source);
// config.json that Hugging Face loads into the equivalent model; `architectures` follows
// the heads (e.g. RobertaForMaskedLM with an mlm head).
nlohmann::json model_config_to_hf(const ModelConfig& model);

// The model types import accepts, for messages: "roberta, xlm-roberta, bert, ...".
const std::vector<std::string>& supported_hf_model_types();

}  // namespace vcc::models
