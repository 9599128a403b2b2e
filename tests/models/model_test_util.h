#pragma once
// Helpers for the model tests: the Hugging Face reference folder, loading its checkpoints
// straight from safetensors, small random models in float64, plain-loop float64 versions of
// the layer math, and a finite-difference check over a module's parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "core/rng.h"
#include "models/hf_convert.h"
#include "models/model_config.h"
#include "models/parameters.h"
#include "nn/module.h"
#include "test_util.h"

namespace vcc::testing {

inline std::string hf_reference_dir() { return std::string(VCC_SHARED_DATA) + "/hf-reference"; }
inline std::string hf_reference(const std::string& rel) { return hf_reference_dir() + "/" + rel; }

// A reference checkpoint converted and loaded into model type M (eval mode).
template <class M>
std::shared_ptr<M> load_reference_model(const std::string& name) {
  models::HfImport imported = models::import_hf_folder(hf_reference("models/" + name));
  auto model = std::make_shared<M>(imported.spec.config());
  models::load_parameters(*model, imported.weights, name);
  model->eval();
  return model;
}

// Every parameter of a module set to N(0, std) (1 + N(0, std) for norm weights), float64.
inline void randomize(const nn::Module& m, uint64_t seed, double std = 0.5) {
  uint64_t k = 0;
  for (const auto& [name, p] : m.named_parameters()) {
    Tensor t = p.value();
    const bool norm_weight = (name.find("LayerNorm.weight") != std::string::npos ||
                              name.find("layer_norm.weight") != std::string::npos);
    std::vector<double> v(t.numel());
    for (size_t i = 0; i < v.size(); ++i) v[i] = (norm_weight ? 1.0 : 0.0) + std * Philox::normal(seed, 1000 + k, i);
    t.copy_(Tensor::from_vector<double>(v, t.shape()));
    ++k;
  }
}

// Values of a tensor as float64 in row-major order.
inline std::vector<double> values(const Tensor& t) { return t.to(DType::F64).to_vector<double>(); }

struct ParamGradResult {
  bool ok = true;
  double max_abs_error = 0;
  std::string report;
};

// Compares the gradients backward() gives every parameter of `module` (and every Var in
// `inputs` that requires grad) for <w, f()> with central differences, w a fixed random
// tensor. Parameters and inputs must be contiguous float64. Checks up to max_elements
// evenly spaced elements per tensor.
inline ParamGradResult check_parameter_gradients(const nn::Module& module, const std::function<Var()>& f,
                                                 const std::vector<std::pair<std::string, Var>>& inputs = {},
                                                 double eps = 1e-6, double atol = 1e-7, double rtol = 1e-5,
                                                 int64_t max_elements = 24) {
  std::vector<std::pair<std::string, Var>> targets = module.named_parameters();
  for (const auto& in : inputs) targets.push_back(in);
  for (auto& [n, v] : targets) v.zero_grad();
  Var y = f();
  std::vector<double> w(y.numel());
  for (size_t i = 0; i < w.size(); ++i) w[i] = Philox::normal(77, 3, i);
  y.backward(Tensor::from_vector<double>(w, y.shape()).to(y.dtype()));
  auto weighted = [&]() {
    NoGradGuard no_grad;
    const std::vector<double> v = f().value().to(DType::F64).to_vector<double>();
    double s = 0;
    for (size_t i = 0; i < v.size(); ++i) s += v[i] * w[i];
    return s;
  };
  ParamGradResult r;
  int shown = 0;
  for (auto& [name, var] : targets) {
    if (!var.requires_grad()) continue;
    Tensor x = var.value();
    EXPECT_TRUE(x.is_contiguous() && x.dtype() == DType::F64) << name;
    const std::vector<double> analytic =
        var.grad().defined() ? var.grad().to(DType::F64).to_vector<double>() : std::vector<double>(x.numel(), 0.0);
    double* p = x.data<double>();
    const int64_t step = std::max<int64_t>(1, x.numel() / max_elements);
    for (int64_t i = 0; i < x.numel(); i += step) {
      const double orig = p[i];
      p[i] = orig + eps;
      const double up = weighted();
      p[i] = orig - eps;
      const double down = weighted();
      p[i] = orig;
      const double numeric = (up - down) / (2 * eps);
      const double err = std::fabs(numeric - analytic[i]);
      r.max_abs_error = std::max(r.max_abs_error, err);
      if (!(err <= atol + rtol * std::fabs(numeric))) {
        r.ok = false;
        if (shown++ < 8)
          r.report += name + "[" + std::to_string(i) + "]: analytic " + std::to_string(analytic[i]) + " vs numeric " +
                      std::to_string(numeric) + "\n";
      }
    }
  }
  return r;
}

// ---- plain-loop float64 math (row-major vectors) ----

// y[r, o] = sum_i x[r, i] w[o, i] + b[o] for rows r.
inline std::vector<double> naive_linear(const std::vector<double>& x, int64_t rows, int64_t in, const Tensor& weight,
                                        const Tensor& bias = Tensor()) {
  const std::vector<double> w = values(weight);
  const std::vector<double> b = bias.defined() ? values(bias) : std::vector<double>();
  const int64_t out = weight.size(0);
  std::vector<double> y(rows * out);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = b.empty() ? 0.0 : b[o];
      for (int64_t i = 0; i < in; ++i) s += x[r * in + i] * w[o * in + i];
      y[r * out + o] = s;
    }
  return y;
}

inline std::vector<double> naive_layer_norm(const std::vector<double>& x, int64_t d, const Tensor& weight,
                                            const Tensor& bias, double eps) {
  const std::vector<double> w = values(weight), b = values(bias);
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < d; ++i) mean += x[r * d + i];
    mean /= d;
    for (int64_t i = 0; i < d; ++i) var += (x[r * d + i] - mean) * (x[r * d + i] - mean);
    var /= d;
    for (int64_t i = 0; i < d; ++i) y[r * d + i] = (x[r * d + i] - mean) / std::sqrt(var + eps) * w[i] + b[i];
  }
  return y;
}

inline std::vector<double> naive_rms_norm(const std::vector<double>& x, int64_t d, const Tensor& weight, double eps) {
  const std::vector<double> w = values(weight);
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    double ms = 0;
    for (int64_t i = 0; i < d; ++i) ms += x[r * d + i] * x[r * d + i];
    ms /= d;
    for (int64_t i = 0; i < d; ++i) y[r * d + i] = x[r * d + i] / std::sqrt(ms + eps) * w[i];
  }
  return y;
}

inline double naive_gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
inline double naive_gelu_tanh(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

// Multi-head attention of q [B, Nq, H*D] over k, v [B, Nk, H*D]: logits scale q.k + bias(b,
// h, i, j), keys with mask 0 excluded, causal keys j <= i excluded after i.
inline std::vector<double> naive_attention(const std::vector<double>& q, const std::vector<double>& k,
                                           const std::vector<double>& v, int64_t B, int64_t Nq, int64_t Nk, int64_t H,
                                           int64_t D, double scale, const std::vector<double>& key_mask, bool causal,
                                           const std::function<double(int64_t, int64_t, int64_t, int64_t)>& bias) {
  std::vector<double> out(B * Nq * H * D, 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Nq; ++i) {
        std::vector<double> logits(Nk, -INFINITY);
        double mx = -INFINITY;
        for (int64_t j = 0; j < Nk; ++j) {
          if (!key_mask.empty() && key_mask[b * Nk + j] == 0) continue;
          if (causal && j > i + (Nk - Nq)) continue;
          double s = 0;
          for (int64_t d = 0; d < D; ++d) s += q[((b * Nq + i) * H + h) * D + d] * k[((b * Nk + j) * H + h) * D + d];
          logits[j] = scale * s + (bias ? bias(b, h, i, j) : 0.0);
          mx = std::max(mx, logits[j]);
        }
        double z = 0;
        for (int64_t j = 0; j < Nk; ++j) z += std::isinf(logits[j]) ? 0.0 : std::exp(logits[j] - mx);
        for (int64_t j = 0; j < Nk; ++j) {
          if (std::isinf(logits[j])) continue;
          const double p = std::exp(logits[j] - mx) / z;
          for (int64_t d = 0; d < D; ++d) out[((b * Nq + i) * H + h) * D + d] += p * v[((b * Nk + j) * H + h) * D + d];
        }
      }
  return out;
}

inline std::vector<double> add(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> y(a.size());
  for (size_t i = 0; i < a.size(); ++i) y[i] = a[i] + b[i];
  return y;
}

}  // namespace vcc::testing
