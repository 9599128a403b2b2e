#pragma once
// Activation checkpointing: keep only a region's inputs in forward and recompute the
// region during backward. Long sequences make activations the memory bottleneck.
#include <functional>
#include <vector>

#include "autograd/variable.h"

namespace vcc {

using RegionFn = std::function<Var(const std::vector<Var>&)>;

// Runs fn(inputs) without recording a graph. In backward, fn runs again with recording
// and the same random stream (dropout masks repeat exactly), and its gradients flow to
// `inputs` and to every parameter fn uses.
Var checkpoint(const RegionFn& fn, const std::vector<Var>& inputs);

}  // namespace vcc
