#include "nn/activation.h"

#include "autograd/ops_elementwise.h"

namespace vcc::nn {

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::Relu;
  if (name == "gelu") return Activation::Gelu;
  if (name == "gelu_new") return Activation::GeluTanh;
  VCC_USER_CHECK(false, "unknown activation '", name, "' (relu, gelu, gelu_new)");
}

std::string activation_name(Activation a) {
  switch (a) {
    case Activation::Relu: return "relu";
    case Activation::Gelu: return "gelu";
    case Activation::GeluTanh: return "gelu_new";
  }
  return "?";
}

Var activate(Activation a, const Var& x) {
  switch (a) {
    case Activation::Relu: return relu(x);
    case Activation::Gelu: return gelu(x);
    case Activation::GeluTanh: return gelu_tanh(x);
  }
  VCC_FAIL("activate: bad activation");
}

}  // namespace vcc::nn
