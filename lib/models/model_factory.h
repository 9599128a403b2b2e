#pragma once
// Building the model a ModelConfig describes, and its initial weights.
#include <cstdint>
#include <memory>

#include "models/model_config.h"
#include "nn/module.h"

namespace vcc::models {

// A RobertaModel (BERT family) or T5Model for the config, weights zero until loaded or
// initialised.
std::shared_ptr<nn::Module> build_model(const ModelConfig& config, DType dtype = DType::F32);

// Fresh weights as Hugging Face initialises them: BERT family N(0, 0.02) for matrices and
// embeddings (padding rows 0), LayerNorm 1/0, biases 0; T5 the per-matrix scales of
// T5PreTrainedModel._init_weights (factor 1). Deterministic in `seed` (Philox draws per
// parameter and element), independent of thread count.
void init_weights(nn::Module& model, const ModelConfig& config, uint64_t seed);

}  // namespace vcc::models
