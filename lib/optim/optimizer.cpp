#include "optim/optimizer.h"

namespace vcc::optim {

void Optimizer::zero_grad() const {
  for (const auto& [name, p] : named_parameters()) p.zero_grad();
}

std::map<std::string, Var> index_parameters(const NamedParams& params) {
  std::map<std::string, Var> index;
  for (const auto& [name, p] : params) {
    VCC_CHECK(p.defined(), "optimizer: parameter '", name, "' is undefined");
    VCC_CHECK(index.emplace(name, p).second, "optimizer: parameter '", name, "' given twice");
  }
  return index;
}

}  // namespace vcc::optim
