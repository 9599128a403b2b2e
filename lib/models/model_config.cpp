#include "models/model_config.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

namespace vcc::models {
namespace {

using nlohmann::json;

const std::vector<std::string> kHeads = {"mlm", "span", "answer_type", "multiple_choice"};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Typed access to config.json values with the Hugging Face class default when absent;
// a present value of the wrong type is an error naming the key.
class HfReader {
 public:
  HfReader(const json& j, const std::string& source) : j_(j), source_(source) {}
  bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }
  int64_t integer(const char* key, int64_t fallback) const {
    if (!has(key)) return fallback;
    VCC_USER_CHECK(j_[key].is_number_integer(), source_, ": '", key, "' must be an integer, got ", j_[key].dump());
    return j_[key].get<int64_t>();
  }
  int64_t required_integer(const char* key) const {
    VCC_USER_CHECK(has(key), source_, ": required key '", key, "' is missing");
    return integer(key, 0);
  }
  double number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    VCC_USER_CHECK(j_[key].is_number(), source_, ": '", key, "' must be a number, got ", j_[key].dump());
    return j_[key].get<double>();
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    VCC_USER_CHECK(j_[key].is_boolean(), source_, ": '", key, "' must be true or false, got ", j_[key].dump());
    return j_[key].get<bool>();
  }
  std::string string(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    VCC_USER_CHECK(j_[key].is_string(), source_, ": '", key, "' must be a string, got ", j_[key].dump());
    return j_[key].get<std::string>();
  }

 private:
  const json& j_;
  const std::string& source_;
};

// Hugging Face activation names vcc computes exactly.
std::string activation_from_hf(const std::string& name, const std::string& source, const char* key) {
  if (name == "gelu" || name == "relu" || name == "gelu_new") return name;
  // Same tanh formula as gelu_new (PyTorch's approximate="tanh").
  if (name == "gelu_pytorch_tanh") return "gelu_new";
  VCC_USER_CHECK(false, source, ": '", key, "' = '", name, "' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu are)");
}

}  // namespace

const std::vector<std::string>& supported_hf_model_types() {
  static const std::vector<std::string> types = {"roberta", "xlm-roberta", "bert", "roberta-prelayernorm", "t5"};
  return types;
}

bool ModelConfig::has_head(const std::string& name) const {
  return std::find(heads.begin(), heads.end(), name) != heads.end();
}

int64_t ModelConfig::position_offset() const { return position_ids == "sequential" ? 0 : pad_token_id + 1; }

void ModelConfig::validate() const {
  const std::vector<std::string> types = {"roberta", "xlm-roberta", "bert", "t5"};
  VCC_USER_CHECK(std::find(types.begin(), types.end(), type) != types.end(), "model.type = '", type,
                 "' is not one of ", join(types));
  VCC_USER_CHECK(vocab_size > 0 && hidden_size > 0 && num_layers >= 0 && num_heads > 0 && d_kv > 0 && d_ff > 0,
                 "model: vocab_size, hidden_size, num_heads, d_kv and d_ff must be positive (",
                 describe(), ")");
  VCC_USER_CHECK(activation == "gelu" || activation == "gelu_new" || activation == "relu", "model.activation = '",
                 activation, "' is not one of gelu, gelu_new, relu");
  VCC_USER_CHECK(norm_eps > 0, "model.norm_eps must be positive, got ", norm_eps);
  VCC_USER_CHECK(hidden_dropout >= 0 && hidden_dropout < 1 && attention_dropout >= 0 && attention_dropout < 1,
                 "model.hidden_dropout and model.attention_dropout must be in [0, 1)");
  VCC_USER_CHECK(segment_local_layers >= 0 && segment_local_layers <= num_layers, "model.segment_local_layers = ",
                 segment_local_layers, " must be in [0, ", num_layers, "]");
  VCC_USER_CHECK(segment_size > 0, "model.segment_size must be positive, got ", segment_size);
  vcc.keeps_attention_dropout(true);  // a bad model.vcc.attention_dropout fails here, not at the first step
  for (const auto& h : heads)
    VCC_USER_CHECK(std::find(kHeads.begin(), kHeads.end(), h) != kHeads.end(), "model.heads: unknown head '", h,
                   "' (", join(kHeads), ")");
  if (is_t5()) {
    VCC_USER_CHECK(num_decoder_layers >= 0, "model.num_decoder_layers must be >= 0");
    VCC_USER_CHECK(relative_buckets >= 2 && relative_max_distance > 0, "model.relative_buckets must be >= 2 and ",
                   "model.relative_max_distance positive");
    VCC_USER_CHECK(heads.empty() && !pooler, "model.heads / model.pooler apply to the BERT family, not t5");
  } else {
    VCC_USER_CHECK(num_heads * d_kv == hidden_size, "model: num_heads x d_kv = ", num_heads * d_kv,
                   " must equal hidden_size ", hidden_size, " for ", type);
    VCC_USER_CHECK(position_ids == "padding" || position_ids == "sequential" || position_ids == "offset",
                   "model.position_ids = '", position_ids, "' is not one of padding, sequential, offset");
    VCC_USER_CHECK(position_init == "normal" || position_init == "sinusoidal", "model.position_init = '",
                   position_init, "' is not one of normal, sinusoidal");
    VCC_USER_CHECK(max_position_embeddings > position_offset(), "model.max_position_embeddings = ",
                   max_position_embeddings, " leaves no learned rows after the ", position_offset(), " offset rows");
    VCC_USER_CHECK(type_vocab_size >= 1, "model.type_vocab_size must be >= 1");
    VCC_USER_CHECK(!gated_ffn, "model.gated_ffn is a T5 option");
  }
  VCC_USER_CHECK(pad_token_id >= 0 && pad_token_id < vocab_size, "model.pad_token_id = ", pad_token_id,
                 " outside the vocabulary of ", vocab_size);
}

std::string ModelConfig::describe() const {
  std::ostringstream os;
  os << type << ": " << num_layers << " layers";
  if (is_t5()) os << " + " << num_decoder_layers << " decoder layers";
  os << ", hidden " << hidden_size << ", " << num_heads << " heads x " << d_kv << ", ff " << d_ff << " ("
     << (gated_ffn ? "gated " : "") << activation << "), " << (is_t5() ? "RMS pre-norm" : pre_ln ? "pre-LN" : "post-LN")
     << ", vocab " << vocab_size;
  if (!is_t5()) os << ", positions " << max_position_embeddings;
  if (segment_local_layers) os << ", " << segment_local_layers << " segment-local layers (" << segment_size << ")";
  if (!heads.empty()) os << ", heads " << join(heads);
  return os.str();
}

void register_model_options(io::OptionRegistry& r) {
  const ModelConfig d;
  r.add("model.type", d.type, "Architecture: roberta, xlm-roberta, bert or t5.")
      .add("model.vocab_size", d.vocab_size, "Rows of the word embedding table.")
      .add("model.hidden_size", d.hidden_size, "Model width (T5 d_model).")
      .add("model.num_layers", d.num_layers, "Encoder layers.")
      .add("model.num_decoder_layers", d.num_decoder_layers, "Decoder layers (t5).")
      .add("model.num_heads", d.num_heads, "Attention heads.")
      .add("model.d_kv", d.d_kv, "Size of each attention head.")
      .add("model.d_ff", d.d_ff, "Feed-forward inner size.")
      .add("model.activation", d.activation, "Feed-forward activation: gelu (erf), gelu_new (tanh form) or relu.")
      .add("model.gated_ffn", d.gated_ffn, "Gated feed-forward act(wi_0 x) * (wi_1 x) (T5 v1.1).")
      .add("model.norm_eps", d.norm_eps, "Epsilon of LayerNorm / RMS norm.")
      .add("model.pre_ln", d.pre_ln, "Pre-LN layers and a final LayerNorm (the VCC paper's RoBERTa).")
      .add("model.max_position_embeddings", d.max_position_embeddings, "Rows of the absolute position table.")
      .add("model.position_ids", d.position_ids,
           "Position ids: padding (RoBERTa, after the pad id), sequential (BERT) or offset (pad + 1 + i).")
      .add("model.position_init", d.position_init,
           "Fresh position table: normal (std 0.02, as Hugging Face) or sinusoidal (sin/cos rows, std 0.02).")
      .add("model.type_vocab_size", d.type_vocab_size, "Rows of the token-type table.")
      .add("model.pad_token_id", d.pad_token_id, "Padding id.")
      .add("model.bos_token_id", d.bos_token_id, "Beginning-of-sequence id.")
      .add("model.eos_token_id", d.eos_token_id, "End-of-sequence id (generation stops on it).")
      .add("model.decoder_start_token_id", d.decoder_start_token_id, "First decoder input id (t5).")
      .add("model.relative_buckets", d.relative_buckets, "T5 relative-position buckets.")
      .add("model.relative_max_distance", d.relative_max_distance, "T5 distance where the log buckets end.")
      .add("model.tie_word_embeddings", d.tie_word_embeddings,
           "Output projection shares the word embeddings (t5 v1.0 also scales by d_model^-0.5).")
      .add("model.hidden_dropout", d.hidden_dropout, "Dropout on embeddings and residual branches.")
      .add("model.attention_dropout", d.attention_dropout, "Dropout on attention probabilities.")
      .add("model.segment_local_layers", d.segment_local_layers,
           "The first this many layers attend only within segments of model.segment_size tokens.")
      .add("model.segment_size", d.segment_size, "Segment length of segment-local layers.")
      .add("model.pooler", d.pooler, "BERT family: add the pooler tanh(dense(h[:, 0])).")
      .add("model.heads", d.heads, "Task heads: mlm, span, answer_type, multiple_choice.")
      .add("model.vcc.enabled", d.vcc.enabled, "Run the layers after model.vcc.standard_layers as VCC layers.")
      .add("model.vcc.num_vip", d.vcc.num_vip, "VIP slots n_p.")
      .add("model.vcc.block_size", d.vcc.block_size, "Tokens per coarse block b.")
      .add("model.vcc.fine_blocks", d.vcc.fine_blocks, "Blocks kept at token resolution k.")
      .add("model.vcc.standard_layers", d.vcc.standard_layers, "Leading segment-local standard layers L_s.")
      .add("model.vcc.segment_size", d.vcc.segment_size, "Segment length of the standard layers.")
      .add("model.vcc.explore_prob", d.vcc.explore_prob, "Training: probability of a random block ranking.")
      .add("model.vcc.scale_correction", d.vcc.scale_correction, "Add log(duplicate count) to coarse keys' logits.")
      .add("model.vcc.mean_epsilon", d.vcc.mean_epsilon, "Block mean = sum / (count + eps); 1e-4 as released.")
      .add("model.vcc.attention_dropout", d.vcc.attention_dropout,
           "Attention-probability dropout in VCC layers: spec (as released: RoBERTa the layer's rate, T5 none), "
           "layer (the layer's rate), none.");
}

ModelConfig model_config_from(const io::Config& c) {
  ModelConfig m;
  m.type = c.get<std::string>("model.type");
  m.vocab_size = c.get<int64_t>("model.vocab_size");
  m.hidden_size = c.get<int64_t>("model.hidden_size");
  m.num_layers = c.get<int64_t>("model.num_layers");
  m.num_decoder_layers = c.get<int64_t>("model.num_decoder_layers");
  m.num_heads = c.get<int64_t>("model.num_heads");
  m.d_kv = c.get<int64_t>("model.d_kv");
  m.d_ff = c.get<int64_t>("model.d_ff");
  m.activation = c.get<std::string>("model.activation");
  m.gated_ffn = c.get<bool>("model.gated_ffn");
  m.norm_eps = c.get<double>("model.norm_eps");
  m.pre_ln = c.get<bool>("model.pre_ln");
  m.max_position_embeddings = c.get<int64_t>("model.max_position_embeddings");
  m.position_ids = c.get<std::string>("model.position_ids");
  m.position_init = c.get<std::string>("model.position_init");
  m.type_vocab_size = c.get<int64_t>("model.type_vocab_size");
  m.pad_token_id = c.get<int64_t>("model.pad_token_id");
  m.bos_token_id = c.get<int64_t>("model.bos_token_id");
  m.eos_token_id = c.get<int64_t>("model.eos_token_id");
  m.decoder_start_token_id = c.get<int64_t>("model.decoder_start_token_id");
  m.relative_buckets = c.get<int64_t>("model.relative_buckets");
  m.relative_max_distance = c.get<int64_t>("model.relative_max_distance");
  m.tie_word_embeddings = c.get<bool>("model.tie_word_embeddings");
  m.hidden_dropout = c.get<double>("model.hidden_dropout");
  m.attention_dropout = c.get<double>("model.attention_dropout");
  m.segment_local_layers = c.get<int64_t>("model.segment_local_layers");
  m.segment_size = c.get<int64_t>("model.segment_size");
  m.pooler = c.get<bool>("model.pooler");
  m.heads = c.get<std::vector<std::string>>("model.heads");
  m.vcc.enabled = c.get<bool>("model.vcc.enabled");
  m.vcc.num_vip = c.get<int64_t>("model.vcc.num_vip");
  m.vcc.block_size = c.get<int64_t>("model.vcc.block_size");
  m.vcc.fine_blocks = c.get<int64_t>("model.vcc.fine_blocks");
  m.vcc.standard_layers = c.get<int64_t>("model.vcc.standard_layers");
  m.vcc.segment_size = c.get<int64_t>("model.vcc.segment_size");
  m.vcc.explore_prob = c.get<double>("model.vcc.explore_prob");
  m.vcc.scale_correction = c.get<bool>("model.vcc.scale_correction");
  m.vcc.mean_epsilon = c.get<double>("model.vcc.mean_epsilon");
  m.vcc.attention_dropout = c.get<std::string>("model.vcc.attention_dropout");
  m.validate();
  return m;
}

void store_model_config(const ModelConfig& m, io::Config& c) {
  c.set("model.type", m.type);
  c.set("model.vocab_size", m.vocab_size);
  c.set("model.hidden_size", m.hidden_size);
  c.set("model.num_layers", m.num_layers);
  c.set("model.num_decoder_layers", m.num_decoder_layers);
  c.set("model.num_heads", m.num_heads);
  c.set("model.d_kv", m.d_kv);
  c.set("model.d_ff", m.d_ff);
  c.set("model.activation", m.activation);
  c.set("model.gated_ffn", m.gated_ffn);
  c.set("model.norm_eps", m.norm_eps);
  c.set("model.pre_ln", m.pre_ln);
  c.set("model.max_position_embeddings", m.max_position_embeddings);
  c.set("model.position_ids", m.position_ids);
  c.set("model.position_init", m.position_init);
  c.set("model.type_vocab_size", m.type_vocab_size);
  c.set("model.pad_token_id", m.pad_token_id);
  c.set("model.bos_token_id", m.bos_token_id);
  c.set("model.eos_token_id", m.eos_token_id);
  c.set("model.decoder_start_token_id", m.decoder_start_token_id);
  c.set("model.relative_buckets", m.relative_buckets);
  c.set("model.relative_max_distance", m.relative_max_distance);
  c.set("model.tie_word_embeddings", m.tie_word_embeddings);
  c.set("model.hidden_dropout", m.hidden_dropout);
  c.set("model.attention_dropout", m.attention_dropout);
  c.set("model.segment_local_layers", m.segment_local_layers);
  c.set("model.segment_size", m.segment_size);
  c.set("model.pooler", m.pooler);
  c.set("model.heads", m.heads);
  c.set("model.vcc.enabled", m.vcc.enabled);
  c.set("model.vcc.num_vip", m.vcc.num_vip);
  c.set("model.vcc.block_size", m.vcc.block_size);
  c.set("model.vcc.fine_blocks", m.vcc.fine_blocks);
  c.set("model.vcc.standard_layers", m.vcc.standard_layers);
  c.set("model.vcc.segment_size", m.vcc.segment_size);
  c.set("model.vcc.explore_prob", m.vcc.explore_prob);
  c.set("model.vcc.scale_correction", m.vcc.scale_correction);
  c.set("model.vcc.mean_epsilon", m.vcc.mean_epsilon);
  c.set("model.vcc.attention_dropout", m.vcc.attention_dropout);
}

ModelConfig model_config_from_yaml(const std::string& text, const std::string& source) {
  io::OptionRegistry r;
  register_model_options(r);
  io::Config c(r);
  c.merge_yaml(text, source);
  return model_config_from(c);
}

std::string model_config_to_yaml(const ModelConfig& m) {
  io::OptionRegistry r;
  register_model_options(r);
  io::Config c(r);
  store_model_config(m, c);
  return c.dump("model");
}

// The official VCC release (awslabs/vip-token-centric-compression) keeps its settings in
// config.json under its own names (spec §1): num_important_tokens, block_size,
// num_fine_blocks, short_segment_size, scale_correction, explore_prob, and the layer class
// list encoder_layers (T5) / encoder_layer_types (RoBERTa), whose leading non-VCC entries
// are the standard layers. Such a checkpoint becomes a VCC model with the release's
// semantics, including its block-mean epsilon.
static void read_official_vcc_settings(const json& hf, const HfReader& r, const std::string& source, ModelConfig& m) {
  if (!r.has("num_important_tokens")) return;
  m.vcc.enabled = true;
  m.vcc.num_vip = r.integer("num_important_tokens", m.vcc.num_vip);
  m.vcc.block_size = r.integer("block_size", m.vcc.block_size);
  m.vcc.fine_blocks = r.required_integer("num_fine_blocks");
  m.vcc.segment_size = r.integer("short_segment_size", 512);
  m.vcc.scale_correction = r.boolean("scale_correction", true);
  m.vcc.explore_prob = r.number("explore_prob", 0.1);
  m.vcc.mean_epsilon = 1e-4;
  const char* list_key = hf.contains("encoder_layers") ? "encoder_layers" : "encoder_layer_types";
  VCC_USER_CHECK(hf.contains(list_key) && hf[list_key].is_array(), source,
                 ": VCC settings without a layer list ('encoder_layers' or 'encoder_layer_types')");
  const json& layers = hf[list_key];
  VCC_USER_CHECK(static_cast<int64_t>(layers.size()) == m.num_layers, source, ": '", list_key, "' lists ",
                 layers.size(), " layers for ", m.num_layers, " encoder layers");
  int64_t standard = 0;
  bool vcc_seen = false;
  for (const json& l : layers) {
    VCC_USER_CHECK(l.is_string(), source, ": '", list_key, "' entries must be strings, got ", l.dump());
    const bool is_vcc = l.get<std::string>().find("Vcc") != std::string::npos ||
                        l.get<std::string>().find("vcc") != std::string::npos;
    VCC_USER_CHECK(!(vcc_seen && !is_vcc), source, ": '", list_key,
                   "' has a standard layer after a VCC layer, which the release never uses (spec 11.3)");
    vcc_seen = vcc_seen || is_vcc;
    if (!is_vcc) ++standard;
  }
  m.vcc.standard_layers = standard;
}

ModelConfig model_config_from_hf(const json& hf, const std::string& source) {
  VCC_USER_CHECK(hf.is_object(), source, ": expected a JSON object");
  HfReader r(hf, source);
  VCC_USER_CHECK(r.has("model_type"), source, ": no 'model_type' (supported: ", join(supported_hf_model_types()), ")");
  const std::string type = r.string("model_type", "");
  const auto& supported = supported_hf_model_types();
  VCC_USER_CHECK(std::find(supported.begin(), supported.end(), type) != supported.end(), source,
                 ": unsupported model_type '", type, "' (supported: ", join(supported), ")");
  VCC_USER_CHECK(!r.boolean("is_decoder", false) && !r.boolean("add_cross_attention", false), source,
                 ": decoder / cross-attention variants of ", type, " are not supported");
  ModelConfig m;
  if (type == "t5") {
    m.type = "t5";
    m.vocab_size = r.integer("vocab_size", 32128);
    m.hidden_size = r.integer("d_model", 512);
    m.d_kv = r.integer("d_kv", 64);
    m.d_ff = r.integer("d_ff", 2048);
    m.num_layers = r.integer("num_layers", 6);
    m.num_decoder_layers = r.integer("num_decoder_layers", m.num_layers);
    m.num_heads = r.integer("num_heads", 8);
    m.relative_buckets = r.integer("relative_attention_num_buckets", 32);
    m.relative_max_distance = r.integer("relative_attention_max_distance", 128);
    m.hidden_dropout = m.attention_dropout = r.number("dropout_rate", 0.1);
    m.norm_eps = r.number("layer_norm_epsilon", 1e-6);
    // Hugging Face derives the activation from feed_forward_proj ("relu", "gated-gelu", ...)
    // and maps "gated-gelu" to the tanh form gelu_new.
    const std::string proj = r.string("feed_forward_proj", "relu");
    const size_t dash = proj.find('-');
    m.gated_ffn = dash != std::string::npos && proj.substr(0, dash) == "gated";
    VCC_USER_CHECK(dash == std::string::npos || m.gated_ffn, source, ": 'feed_forward_proj' = '", proj,
                   "' is not ACT or gated-ACT");
    const std::string act = proj == "gated-gelu" ? "gelu_new" : proj.substr(dash == std::string::npos ? 0 : dash + 1);
    m.activation = activation_from_hf(act, source, "feed_forward_proj");
    m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
    m.pad_token_id = r.integer("pad_token_id", 0);
    m.eos_token_id = r.integer("eos_token_id", 1);
    m.bos_token_id = r.integer("bos_token_id", m.pad_token_id);
    // Generation starts decoding from decoder_start_token_id, or the pad id when unset.
    m.decoder_start_token_id = r.integer("decoder_start_token_id", m.pad_token_id);
    m.max_position_embeddings = 0;
    m.type_vocab_size = 0;
    m.position_ids = "sequential";
  } else {
    m.type = type == "roberta-prelayernorm" ? "roberta" : type;
    m.pre_ln = type == "roberta-prelayernorm";
    m.vocab_size = r.required_integer("vocab_size");
    m.hidden_size = r.integer("hidden_size", 768);
    m.num_layers = r.integer("num_hidden_layers", 12);
    m.num_heads = r.integer("num_attention_heads", 12);
    VCC_USER_CHECK(m.num_heads > 0 && m.hidden_size % m.num_heads == 0, source, ": hidden_size ", m.hidden_size,
                   " is not a multiple of num_attention_heads ", m.num_heads);
    m.d_kv = m.hidden_size / m.num_heads;
    m.d_ff = r.integer("intermediate_size", 3072);
    m.activation = activation_from_hf(r.string("hidden_act", "gelu"), source, "hidden_act");
    m.norm_eps = r.number("layer_norm_eps", 1e-12);
    m.max_position_embeddings = r.integer("max_position_embeddings", 512);
    m.type_vocab_size = r.integer("type_vocab_size", 2);
    m.hidden_dropout = r.number("hidden_dropout_prob", 0.1);
    m.attention_dropout = r.number("attention_probs_dropout_prob", 0.1);
    const std::string pos = r.string("position_embedding_type", "absolute");
    VCC_USER_CHECK(pos == "absolute", source, ": 'position_embedding_type' = '", pos,
                   "' is not supported (only absolute)");
    const bool bert = type == "bert";
    m.position_ids = bert ? "sequential" : "padding";
    m.pad_token_id = r.integer("pad_token_id", bert ? 0 : 1);
    m.bos_token_id = r.integer("bos_token_id", 0);
    m.eos_token_id = r.integer("eos_token_id", 2);
    m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  }
  read_official_vcc_settings(hf, r, source, m);
  m.validate();
  return m;
}

json model_config_to_hf(const ModelConfig& m) {
  m.validate();
  json j;
  if (m.is_t5()) {
    VCC_USER_CHECK(!(m.gated_ffn && m.activation == "gelu"), "export: a gated erf-GELU feed-forward has no ",
                   "Hugging Face T5 equivalent ('gated-gelu' means the tanh form there)");
    j["architectures"] = {"T5ForConditionalGeneration"};
    j["model_type"] = "t5";
    j["vocab_size"] = m.vocab_size;
    j["d_model"] = m.hidden_size;
    j["d_kv"] = m.d_kv;
    j["d_ff"] = m.d_ff;
    j["num_layers"] = m.num_layers;
    j["num_decoder_layers"] = m.num_decoder_layers;
    j["num_heads"] = m.num_heads;
    j["relative_attention_num_buckets"] = m.relative_buckets;
    j["relative_attention_max_distance"] = m.relative_max_distance;
    j["dropout_rate"] = m.hidden_dropout;
    j["layer_norm_epsilon"] = m.norm_eps;
    const std::string act = m.activation == "gelu_new" && m.gated_ffn ? "gelu" : m.activation;
    j["feed_forward_proj"] = (m.gated_ffn ? "gated-" : "") + act;
    j["dense_act_fn"] = m.activation;
    j["is_gated_act"] = m.gated_ffn;
    j["tie_word_embeddings"] = m.tie_word_embeddings;
    j["pad_token_id"] = m.pad_token_id;
    j["eos_token_id"] = m.eos_token_id;
    j["decoder_start_token_id"] = m.decoder_start_token_id;
    j["is_encoder_decoder"] = true;
    j["initializer_factor"] = 1.0;
    j["use_cache"] = true;
  } else {
    const std::string hf_type = m.pre_ln ? "roberta-prelayernorm" : m.type;
    VCC_USER_CHECK(!m.pre_ln || m.type == "roberta", "export: pre-LN is only defined for roberta (roberta-prelayernorm)");
    VCC_USER_CHECK(m.position_ids == (m.type == "bert" ? "sequential" : "padding"), "export: model.position_ids = '",
                   m.position_ids, "' has no Hugging Face ", hf_type, " equivalent");
    const std::string cls = m.type == "bert"          ? "Bert"
                            : m.type == "xlm-roberta" ? "XLMRoberta"
                            : m.pre_ln                ? "RobertaPreLayerNorm"
                                                      : "Roberta";
    std::string arch = cls + "Model";
    if (m.has_head("mlm")) arch = cls + "ForMaskedLM";
    else if (m.has_head("span")) arch = cls + "ForQuestionAnswering";
    else if (m.has_head("multiple_choice")) arch = cls + "ForMultipleChoice";
    j["architectures"] = {arch};
    j["model_type"] = hf_type;
    j["vocab_size"] = m.vocab_size;
    j["hidden_size"] = m.hidden_size;
    j["num_hidden_layers"] = m.num_layers;
    j["num_attention_heads"] = m.num_heads;
    j["intermediate_size"] = m.d_ff;
    j["hidden_act"] = m.activation;
    j["layer_norm_eps"] = m.norm_eps;
    j["max_position_embeddings"] = m.max_position_embeddings;
    j["type_vocab_size"] = m.type_vocab_size;
    j["hidden_dropout_prob"] = m.hidden_dropout;
    j["attention_probs_dropout_prob"] = m.attention_dropout;
    j["position_embedding_type"] = "absolute";
    j["pad_token_id"] = m.pad_token_id;
    j["bos_token_id"] = m.bos_token_id;
    j["eos_token_id"] = m.eos_token_id;
    j["initializer_range"] = 0.02;
    j["tie_word_embeddings"] = m.tie_word_embeddings;
  }
  j["torch_dtype"] = "float32";
  return j;
}

}  // namespace vcc::models
