#pragma once
// Feed-forward activations by their Hugging Face names.
#include <string>

#include "autograd/variable.h"

namespace vcc::nn {

enum class Activation { Relu, Gelu, GeluTanh };

// "relu", "gelu" (erf form), "gelu_new" (tanh form); anything else is an error naming it.
Activation parse_activation(const std::string& name);
std::string activation_name(Activation a);
Var activate(Activation a, const Var& x);

}  // namespace vcc::nn
