#include "models/hf_reference.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "io/json_error.h"
#include "io/npy.h"
#include "models/encoder_stack.h"
#include "models/generation.h"
#include "models/roberta.h"
#include "models/t5.h"

namespace vcc::models {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json read_json(const std::string& path) {
  std::ifstream in(path);
  VCC_USER_CHECK(in.good(), "cannot open ", path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::exception& e) {
    throw Error(io::json_error_message(e, text.str(), path));
  }
}

bool same_architecture(const ModelConfig& a, const ModelConfig& b) {
  return a.type == b.type && a.vocab_size == b.vocab_size && a.hidden_size == b.hidden_size &&
         a.num_layers == b.num_layers && a.num_decoder_layers == b.num_decoder_layers && a.num_heads == b.num_heads &&
         a.d_kv == b.d_kv && a.d_ff == b.d_ff && a.activation == b.activation && a.gated_ffn == b.gated_ffn &&
         a.pre_ln == b.pre_ln && a.tie_word_embeddings == b.tie_word_embeddings &&
         a.max_position_embeddings == b.max_position_embeddings && a.relative_buckets == b.relative_buckets &&
         a.relative_max_distance == b.relative_max_distance;
}

// "padded_batch.input_ids" -> "input_ids" inside case "padded_batch".
std::string strip_case(const std::string& key, const std::string& case_name) {
  const std::string prefix = case_name + ".";
  return key.rfind(prefix, 0) == 0 ? key.substr(prefix.size()) : key;
}

struct Tolerance {
  double atol, rtol, loss_rtol;
};

Tolerance tolerance_for(const json& verify, const std::string& model, const std::string& output) {
  const json& d = verify.at("default");
  Tolerance t{d.value("atol", 1e-4), d.value("rtol", 1e-4), d.value("loss_rtol", 1e-5)};
  if (verify.contains("overrides") && verify["overrides"].contains(model) && verify["overrides"][model].contains(output)) {
    const json& o = verify["overrides"][model][output];
    t.atol = o.value("atol", t.atol);
    t.rtol = o.value("rtol", t.rtol);
    t.loss_rtol = o.value("loss_rtol", t.loss_rtol);
  }
  return t;
}

// Element-wise allclose of got and ref; `valid` (size = product of the leading dims it
// covers, or empty) selects which leading positions take part.
Comparison compare_floats(const Tensor& got, const Tensor& ref, const std::vector<bool>& valid, const Tolerance& tol) {
  Comparison c;
  c.kind = "float";
  c.atol = tol.atol;
  c.rtol = tol.rtol;
  if (got.shape() != ref.shape()) {
    c.note = "shape " + got.shape().str() + ", expected " + ref.shape().str();
    return c;
  }
  const std::vector<double> g = got.to(DType::F64).to_vector<double>(), r = ref.to(DType::F64).to_vector<double>();
  const size_t inner = valid.empty() ? g.size() : g.size() / valid.size();
  bool ok = true;
  for (size_t i = 0; i < g.size(); ++i) {
    if (!valid.empty() && !valid[i / inner]) continue;
    const double diff = std::fabs(g[i] - r[i]);
    if (!(diff <= tol.atol + tol.rtol * std::fabs(r[i]))) ok = false;  // NaN fails too
    c.max_abs = std::max(c.max_abs, diff);
    if (r[i] != 0) c.max_rel = std::max(c.max_rel, diff / std::fabs(r[i]));
    ++c.compared;
  }
  c.pass = ok && c.compared > 0;
  if (!ok) c.note = "outside atol + rtol |ref|";
  if (c.compared == 0) c.note = "nothing to compare";
  return c;
}

Comparison compare_ids(const Tensor& got, const Tensor& ref) {
  Comparison c;
  c.kind = "ids";
  if (got.shape() != ref.shape()) {
    c.note = "shape " + got.shape().str() + ", expected " + ref.shape().str();
    return c;
  }
  const std::vector<int64_t> g = got.to(DType::I64).to_vector<int64_t>(), r = ref.to(DType::I64).to_vector<int64_t>();
  const int64_t width = ref.dim() ? ref.size(-1) : 1;
  c.compared = static_cast<int64_t>(g.size());
  for (size_t i = 0; i < g.size(); ++i) {
    if (g[i] != r[i]) {
      c.note = "first difference at row " + std::to_string(i / width) + " position " + std::to_string(i % width) +
               ": got " + std::to_string(g[i]) + ", expected " + std::to_string(r[i]);
      return c;
    }
  }
  c.pass = true;
  return c;
}

Comparison compare_loss(double got, double ref, const Tolerance& tol) {
  Comparison c;
  c.kind = "loss";
  c.rtol = tol.loss_rtol;
  c.compared = 1;
  c.max_abs = std::fabs(got - ref);
  c.max_rel = ref != 0 ? c.max_abs / std::fabs(ref) : c.max_abs;
  c.pass = c.max_abs <= tol.loss_rtol * std::fabs(ref);
  if (!c.pass) {
    std::ostringstream os;
    os.precision(10);
    os << "got " << got << ", expected " << ref;
    c.note = os.str();
  }
  return c;
}

// Rows x positions that are real tokens.
std::vector<bool> mask_positions(const Tensor& mask) {
  std::vector<bool> v;
  for (double x : mask.to(DType::F64).to_vector<double>()) v.push_back(x != 0);
  return v;
}

GenerationOptions generation_options(const json& kw, const ModelConfig& config) {
  GenerationOptions o;
  o.max_new_tokens = kw.value("max_new_tokens", int64_t{20});
  o.num_beams = kw.value("num_beams", int64_t{1});
  o.length_penalty = kw.value("length_penalty", 1.0);
  VCC_USER_CHECK(!kw.value("do_sample", false), "generate_kwargs: do_sample=true is not supported (greedy and beam only)");
  if (kw.contains("early_stopping")) {
    const json& e = kw["early_stopping"];
    o.early_stopping = e.is_boolean() ? (e.get<bool>() ? "true" : "false") : e.get<std::string>();
  }
  o.decoder_start_token_id = kw.value("decoder_start_token_id", config.decoder_start_token_id);
  o.eos_token_id = kw.value("eos_token_id", config.eos_token_id);
  o.pad_token_id = kw.value("pad_token_id", config.pad_token_id);
  return o;
}

// Steps of each greedy row up to and including the one that produced eos.
std::vector<bool> unfinished_steps(const Tensor& sequences, int64_t steps, int64_t eos) {
  const int64_t B = sequences.size(0), L = sequences.size(1);
  const std::vector<int64_t> s = sequences.to(DType::I64).to_vector<int64_t>();
  std::vector<bool> valid(B * steps, false);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < steps; ++t) {
      valid[b * steps + t] = true;
      if (t + 1 < L && s[b * L + t + 1] == eos) break;
    }
  }
  return valid;
}

// The official selection of one VCC layer vs ours: the same set of non-empty blocks, and
// the same number of empty ones (which tie at log(1e-5); which of them fill spare slots is
// arbitrary and changes no output).
Comparison compare_selection(const Tensor& got, const Tensor& ref, const Tensor& block_mask) {
  Comparison c;
  c.kind = "ids";
  if (got.shape() != ref.shape()) {
    c.note = "shape " + got.shape().str() + ", expected " + ref.shape().str();
    return c;
  }
  const int64_t B = ref.size(0), k = ref.size(1), N = block_mask.size(1);
  const std::vector<int64_t> g = got.to(DType::I64).to_vector<int64_t>(), r = ref.to(DType::I64).to_vector<int64_t>();
  const std::vector<int64_t> m = block_mask.to(DType::I64).to_vector<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> gs, rs;
    int64_t g_empty = 0, r_empty = 0;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t gi = g[b * k + i], ri = r[b * k + i];
      (m[b * N + gi] ? gs.push_back(gi) : void(++g_empty));
      (m[b * N + ri] ? rs.push_back(ri) : void(++r_empty));
    }
    std::sort(gs.begin(), gs.end());
    std::sort(rs.begin(), rs.end());
    c.compared += k;
    if (gs != rs || g_empty != r_empty) {
      c.note = "row " + std::to_string(b) + ": selected non-empty blocks or empty count differ";
      return c;
    }
  }
  c.pass = true;
  return c;
}

// "selector_log_scores.exact_mean.encoder_block2" -> {"selector_log_scores", exact, fp64, block 2}.
struct OutputName {
  std::string base;
  bool exact_mean = false;
  bool fp64 = false;
  int64_t encoder_block = -1;
};

OutputName parse_output(const std::string& name) {
  OutputName o;
  std::string rest;
  size_t start = 0;
  bool first = true;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    const std::string part = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (first) {
      o.base = part;
      first = false;
    } else if (part == "exact_mean") {
      o.exact_mean = true;
    } else if (part == "fp64") {
      o.fp64 = true;
    } else if (part.rfind("encoder_block", 0) == 0) {
      o.encoder_block = std::stoll(part.substr(13));
    } else {
      o.base += "." + part;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return o;
}

}  // namespace

bool VerifyReport::all_pass() const {
  bool any = false;
  for (const Comparison& c : comparisons) {
    if (c.skipped) continue;
    if (!c.pass) return false;
    any = true;
  }
  return any;
}

std::vector<std::string> matching_reference_models(const ModelConfig& config, const std::string& reference_dir) {
  const json manifest = read_json((fs::path(reference_dir) / "manifest.json").string());
  std::vector<std::string> out;
  for (auto it = manifest.at("models").begin(); it != manifest.at("models").end(); ++it) {
    const std::string cfg = (fs::path(reference_dir) / it.value().at("model_dir").get<std::string>() / "config.json").string();
    if (!fs::exists(cfg)) continue;
    if (same_architecture(model_config_from_hf(read_json(cfg), cfg), config)) out.push_back(it.key());
  }
  return out;
}

VerifyReport verify_against_reference(nn::Module& model, const ModelConfig& config, const std::string& reference_dir,
                                      const std::string& name) {
  const std::string manifest_path = (fs::path(reference_dir) / "manifest.json").string();
  const json manifest = read_json(manifest_path);
  VCC_USER_CHECK(manifest.contains("models") && manifest["models"].contains(name), manifest_path, ": no model '", name,
                 "'");
  const json& entry = manifest["models"][name];
  const json verify = manifest.value("verify", json{{"default", json::object()}});
  // Official VCC selector scores are compared more loosely (the manifest recommends it).
  const double selector_atol = manifest.contains("recommended_tolerances")
                                   ? manifest["recommended_tolerances"]
                                         .value("fp32_implementation_vs_fp32_files", json::object())
                                         .value("selector_log_scores_atol", 1e-4)
                                   : 1e-4;
  auto file = [&](const json& spec) { return (fs::path(reference_dir) / spec.at("file").get<std::string>()).string(); };

  const bool was_training = model.training();
  model.eval();
  NoGradGuard no_grad;
  VerifyReport report;
  report.reference_model = name;
  for (auto cit = entry.at("cases").begin(); cit != entry.at("cases").end(); ++cit) {
    const std::string case_name = cit.key();
    const json& kase = cit.value();
    std::map<std::string, Tensor> in;
    for (auto it = kase.at("inputs").begin(); it != kase.at("inputs").end(); ++it)
      in[strip_case(it.key(), case_name)] = io::read_npy(file(it.value()));
    auto input = [&](const char* key) { return in.count(key) ? in.at(key) : Tensor(); };
    VCC_USER_CHECK(in.count("input_ids"), manifest_path, ": case '", case_name, "' has no input_ids");
    const Tensor mask = input("attention_mask");
    const json kwargs = kase.value("generate_kwargs", json::object());

    // A VCC model runs each case once per block-mean variant the outputs ask for.
    auto* t5_model = dynamic_cast<T5Model*>(&model);
    auto* roberta_model = dynamic_cast<RobertaModel*>(&model);
    std::shared_ptr<VccStack> vcc;
    if (t5_model) vcc = vcc_of(t5_model->encoder().layers());
    if (roberta_model) vcc = vcc_of(roberta_model->layers());
    const Tensor importance = input("importance_mask");
    VCC_USER_CHECK(!vcc || importance.defined(), manifest_path, ": case '", case_name,
                   "' has no importance_mask, which a VCC model needs");
    const bool model_f64 = model.parameters().front().dtype() == DType::F64;
    const double configured_eps = vcc ? vcc->config().mean_epsilon : 0.0;
    const double released_eps = configured_eps > 0 ? configured_eps : 1e-4;

    for (bool exact_variant : {false, true}) {
      if (vcc) vcc->mutable_config().mean_epsilon = exact_variant ? 0.0 : released_eps;
      // Results computed on first use, shared by the outputs of the case and variant.
      std::optional<EncoderOutputs> enc_out;
      std::optional<Tensor> t5_enc, t5_logits;
      std::optional<GenerationOutput> generated;
      auto roberta = [&]() -> const EncoderOutputs& {
        if (!enc_out) {
          auto& m = dynamic_cast<RobertaModel&>(model);
          enc_out = m.forward({in.at("input_ids"), mask, input("token_type_ids"), input("position_ids"), importance});
        }
        return *enc_out;
      };
      auto t5 = [&]() -> T5Model& { return dynamic_cast<T5Model&>(model); };
      auto encoder_states = [&]() -> const Tensor& {
        if (!t5_enc) t5_enc = t5().encode(in.at("input_ids"), mask, importance).value();
        return *t5_enc;
      };
      auto generate_once = [&]() -> const GenerationOutput& {
        if (!generated) {
          GenerationOptions o = generation_options(kwargs, config);
          o.output_step_logits = o.num_beams == 1;
          generated = generate(t5(), in.at("input_ids"), mask, o, importance);
        }
        return *generated;
      };
      // The trace of encoder block `block` from the last encoder run.
      auto trace = [&](int64_t block) -> const VccLayerTrace& {
        VCC_USER_CHECK(vcc, manifest_path, ": reference has VCC selections but the model has no VCC layers");
        if (t5_model) encoder_states();
        if (roberta_model) roberta();
        const int64_t layer = block - vcc->config().standard_layers;
        VCC_USER_CHECK(layer >= 0 && layer < static_cast<int64_t>(vcc->last_traces().size()), manifest_path,
                       ": encoder block ", block, " is not a VCC layer of this model");
        return vcc->last_traces()[layer];
      };

      for (auto oit = kase.at("outputs").begin(); oit != kase.at("outputs").end(); ++oit) {
        const json& spec = oit.value();
        if (!spec.is_object() || !(spec.contains("file") || spec.contains("value_float64"))) continue;  // e.g. *_list copies
        const std::string out = strip_case(oit.key(), case_name);
        const OutputName name_parts = parse_output(out);
        if (name_parts.exact_mean != exact_variant) continue;
        if (exact_variant && !vcc) continue;
        const Tolerance tol = tolerance_for(verify, name, name_parts.base);
        Comparison c;
        if (name_parts.fp64 && !model_f64) {
          c.skipped = true;
          c.note = "float64 reference: checked only for a model run in float64";
        } else if (name_parts.base == "loss") {
          const double got =
              t5().loss(in.at("input_ids"), mask, in.at("labels"), importance).value().item<double>();
          c = compare_loss(got, spec.at(model_f64 && spec.contains("fp64_model_value") ? "fp64_model_value"
                                                                                         : "value_float64")
                                    .get<double>(),
                           tol);
        } else {
          const Tensor ref = io::read_npy(file(spec));
          const Tolerance tight{1e-10, 0.0, tol.loss_rtol};
          const std::string& base = name_parts.base;
          if (base == "last_hidden_state") {
            c = compare_floats(roberta().hidden.value(), ref, mask.defined() ? mask_positions(mask) : std::vector<bool>{},
                               name_parts.fp64 ? tight : tol);
          } else if (base == "pooler_output") {
            VCC_USER_CHECK(roberta().pooled.defined(), "reference has pooler_output but the model has no pooler");
            c = compare_floats(roberta().pooled.value(), ref, {}, tol);
          } else if (base == "encoder_last_hidden_state") {
            c = compare_floats(encoder_states(), ref, mask.defined() ? mask_positions(mask) : std::vector<bool>{},
                               name_parts.fp64 ? tight : tol);
          } else if (base == "logits") {
            if (!t5_logits)
              t5_logits = t5().forward(in.at("input_ids"), mask, in.at("decoder_input_ids"), importance).value();
            c = compare_floats(*t5_logits, ref, {}, tol);
          } else if (base == "generate_sequences" || base == "beam_sequences") {
            c = compare_ids(generate_once().sequences, ref);
          } else if (base == "generate_step_logits") {
            const GenerationOutput& g = generate_once();
            const int64_t steps = g.step_logits.defined() ? g.step_logits.size(1) : 0;
            c = compare_floats(g.step_logits.defined() ? g.step_logits : Tensor::zeros({0}), ref,
                               unfinished_steps(g.sequences, steps, generation_options(kwargs, config).eos_token_id),
                               tol);
          } else if (base == "beam_scores") {
            c = compare_floats(generate_once().sequence_scores, ref, {}, tol);
          } else if (base == "fine_block_indices") {
            const VccLayerTrace& t = trace(name_parts.encoder_block);
            c = compare_selection(t.fine_blocks, ref, vcc->last_block_mask());
          } else if (base == "selector_log_scores") {
            const VccLayerTrace& t = trace(name_parts.encoder_block);
            std::vector<bool> valid;
            for (int64_t m : vcc->last_block_mask().to(DType::I64).to_vector<int64_t>()) valid.push_back(m != 0);
            c = compare_floats(t.log_scores, ref, valid, {selector_atol, 0.0, tol.loss_rtol});
          } else if (base == "block_mask") {
            trace(vcc ? vcc->config().standard_layers : 0);
            c = compare_ids(vcc->last_block_mask(), ref);
          } else if (base == "block_positions") {
            trace(vcc ? vcc->config().standard_layers : 0);
            c = compare_ids(vcc->last_block_positions(), ref);
          } else {
            c.note = "unknown output kind (vcc cannot check it)";
          }
        }
        c.case_name = case_name;
        c.output = out;
        report.comparisons.push_back(c);
      }
      if (!vcc) break;
    }
    if (vcc) vcc->mutable_config().mean_epsilon = configured_eps;
  }
  model.train(was_training);
  return report;
}

std::string format_comparison(const Comparison& c) {
  char buf[512];
  const std::string what = c.case_name + "/" + c.output;
  if (c.skipped) {
    std::snprintf(buf, sizeof buf, "%-40s SKIP (%s)", what.c_str(), c.note.c_str());
    return buf;
  }
  if (c.kind == "ids") {
    std::snprintf(buf, sizeof buf, "%-40s ids %s (%lld values)  %s", what.c_str(), c.pass ? "identical" : "differ",
                  static_cast<long long>(c.compared), c.pass ? "PASS" : "FAIL");
  } else if (c.kind == "loss") {
    std::snprintf(buf, sizeof buf, "%-40s max_abs %.3e  max_rel %.3e  (loss rtol %.0e)  %s", what.c_str(), c.max_abs,
                  c.max_rel, c.rtol, c.pass ? "PASS" : "FAIL");
  } else {
    std::snprintf(buf, sizeof buf, "%-40s max_abs %.3e  max_rel %.3e  (atol %.0e rtol %.0e, %lld values)  %s",
                  what.c_str(), c.max_abs, c.max_rel, c.atol, c.rtol, static_cast<long long>(c.compared),
                  c.pass ? "PASS" : "FAIL");
  }
  std::string s = buf;
  if (!c.note.empty() && !c.pass) s += ": " + c.note;
  return s;
}

}  // namespace vcc::models
