#include "models/model_factory.h"

#include <cmath>

#include "core/rng.h"
#include "models/roberta.h"
#include "models/t5.h"

namespace vcc::models {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The standard deviation Hugging Face draws a parameter from; 0 = constant (see `constant`).
double init_std(const std::string& name, const ModelConfig& c, double& constant) {
  constant = 0.0;
  if (!c.is_t5()) {
    if (contains(name, "LayerNorm.") || contains(name, "layer_norm.")) {
      constant = ends_with(name, ".weight") ? 1.0 : 0.0;
      return 0.0;
    }
    if (ends_with(name, ".bias") || name == "lm_head.bias" || name == "cls.predictions.bias") return 0.0;
    return 0.02;
  }
  const double d = static_cast<double>(c.hidden_size), kv = static_cast<double>(c.d_kv),
               heads = static_cast<double>(c.num_heads), ff = static_cast<double>(c.d_ff);
  if (contains(name, "layer_norm.")) {
    constant = 1.0;
    return 0.0;
  }
  if (name == "shared.weight" || name == "lm_head.weight") return 1.0;
  if (contains(name, "relative_attention_bias")) return std::pow(d, -0.5);
  if (ends_with(name, ".q.weight")) return std::pow(d * kv, -0.5);
  if (ends_with(name, ".k.weight") || ends_with(name, ".v.weight")) return std::pow(d, -0.5);
  if (ends_with(name, ".o.weight")) return std::pow(heads * kv, -0.5);
  if (ends_with(name, ".wo.weight")) return std::pow(ff, -0.5);
  if (contains(name, ".wi")) return std::pow(d, -0.5);
  VCC_FAIL("init_weights: no rule for T5 parameter ", name);
}

// Row p, columns (2i, 2i + 1) = (sin, cos)(p / 10000^(2i / d)) times sqrt(2) * std, so that
// the table has the standard deviation of the normal draw it replaces.
void fill_sinusoidal(std::vector<double>& v, int64_t rows, int64_t dim, double std) {
  const double amplitude = std * std::sqrt(2.0);
  for (int64_t p = 0; p < rows; ++p)
    for (int64_t j = 0; j < dim; ++j) {
      const double angle = static_cast<double>(p) / std::pow(10000.0, static_cast<double>(j - j % 2) / dim);
      v[p * dim + j] = amplitude * (j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
}

}  // namespace

std::shared_ptr<nn::Module> build_model(const ModelConfig& config, DType dtype) {
  if (config.is_t5()) return std::make_shared<T5Model>(config, dtype);
  return std::make_shared<RobertaModel>(config, dtype);
}

void init_weights(nn::Module& model, const ModelConfig& config, uint64_t seed) {
  uint64_t stream = 0;
  for (const auto& [name, p] : model.named_parameters()) {
    double constant = 0.0;
    const double std = init_std(name, config, constant);
    Tensor t = p.value();  // shares the parameter's storage
    std::vector<double> v(t.numel(), constant);
    if (name == "embeddings.position_embeddings.weight" && config.position_init == "sinusoidal")
      fill_sinusoidal(v, t.size(0), t.size(1), std);
    else if (std > 0)
      for (size_t i = 0; i < v.size(); ++i) v[i] = std * Philox::normal(seed, stream, i);
    // nn.Embedding(padding_idx=pad) keeps the padding row at zero.
    if (!config.is_t5() && (name == "embeddings.word_embeddings.weight" ||
                            (name == "embeddings.position_embeddings.weight" && config.position_ids != "sequential"))) {
      const int64_t dim = t.size(1), pad = config.pad_token_id;
      if (pad < t.size(0))
        for (int64_t j = 0; j < dim; ++j) v[pad * dim + j] = 0.0;
    }
    t.copy_(Tensor::from_vector<double>(v, t.shape()));
    ++stream;
  }
}

}  // namespace vcc::models
