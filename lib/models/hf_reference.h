#pragma once
// Checks a model against reference outputs computed by Hugging Face, in the format of
// /work/shared/data/hf-reference/: manifest.json lists per model the cases (input .npy
// files, expected output .npy files or scalars, generate_kwargs) and the tolerances
// ("verify": default atol/rtol/loss_rtol and per-model, per-output overrides).
//
// Rules: floats element-wise |got - ref| <= atol + rtol |ref| (NumPy allclose), hidden
// states only where attention_mask == 1, per-step generation logits only while the row is
// unfinished; token ids exactly; losses to loss_rtol relative.
//
// VCC references (/work/shared/data/vcc-reference/, outputs of the official
// implementation): the case's importance_mask marks the VIPs; fine_block_indices.* are
// compared as sets over non-empty blocks plus the count of selected empty ones,
// selector_log_scores.* to 1e-4 on non-empty blocks; *.exact_mean.* outputs are computed
// with exact block means (mean_epsilon 0), the others with the release's 1e-4; *.fp64
// outputs only when the model runs in float64 (to 1e-10).
#include <string>
#include <vector>

#include "models/model_config.h"
#include "nn/module.h"

namespace vcc::models {

struct Comparison {
  std::string case_name;
  std::string output;
  std::string kind;      // "float", "ids", "loss"
  double max_abs = 0.0;  // max |got - ref| over compared elements
  double max_rel = 0.0;  // max |got - ref| / |ref| over compared elements with ref != 0
  double atol = 0.0, rtol = 0.0;
  int64_t compared = 0;  // elements compared
  bool pass = false;
  bool skipped = false;  // not applicable to this run (e.g. float64 references for a float32 model)
  std::string note;      // why it failed (shape mismatch, differing ids, ...) or was skipped
};

struct VerifyReport {
  std::string reference_model;  // manifest key, e.g. "t5-v1_1-tiny"
  std::vector<Comparison> comparisons;
  bool all_pass() const;
};

// Manifest models whose config.json describes the same architecture as `config`.
std::vector<std::string> matching_reference_models(const ModelConfig& config, const std::string& reference_dir);

// Runs every case of manifest model `name` on `model` (built from `config`) in eval mode.
VerifyReport verify_against_reference(nn::Module& model, const ModelConfig& config, const std::string& reference_dir,
                                      const std::string& name);

// "case/output  max_abs 1.2e-06  max_rel 3.4e-05  (atol 1e-04 rtol 1e-04, 57600 values)  PASS".
std::string format_comparison(const Comparison& c);

}  // namespace vcc::models
