#pragma once
// Moving weights between a module and named tensors (checkpoints, converters, tests):
// strict in both directions, so a wrong checkpoint fails loudly instead of half-loading.
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace vcc::models {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Every parameter under its canonical name (tied aliases once), sharing storage with it.
NamedTensors parameter_tensors(const nn::Module& module);

// Copies `tensors` into the module's parameters (converting dtype). Every canonical
// parameter must be given exactly once with its shape; unknown names are errors. The error
// is one line naming `source` and the missing, unexpected or mis-shaped tensors.
void load_parameters(nn::Module& module, const NamedTensors& tensors, const std::string& source);

// "a, b, c (and 12 more)" for messages.
std::string list_names(const std::vector<std::string>& names, size_t max_shown = 8);

}  // namespace vcc::models
