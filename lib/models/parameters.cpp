#include "models/parameters.h"

#include <map>

namespace vcc::models {

std::string list_names(const std::vector<std::string>& names, size_t max_shown) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < max_shown; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > max_shown) s += " (and " + std::to_string(names.size() - max_shown) + " more)";
  return s;
}

NamedTensors parameter_tensors(const nn::Module& module) {
  NamedTensors out;
  for (const auto& [name, p] : module.named_parameters()) out.emplace_back(name, p.value());
  return out;
}

void load_parameters(nn::Module& module, const NamedTensors& tensors, const std::string& source) {
  std::map<std::string, const Tensor*> given;
  std::vector<std::string> duplicated, unexpected, missing, misshaped;
  for (const auto& [name, t] : tensors)
    if (!given.emplace(name, &t).second) duplicated.push_back(name);
  std::map<std::string, Var> params;
  for (const auto& [name, p] : module.named_parameters()) params.emplace(name, p);
  for (const auto& [name, p] : params) {
    auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
    } else if (it->second->shape() != p.shape()) {
      misshaped.push_back(name + " " + it->second->shape().str() + " (expected " + p.shape().str() + ")");
    }
  }
  for (const auto& [name, t] : given)
    if (!params.count(name)) unexpected.push_back(name);
  std::string problems;
  auto report = [&](const char* what, const std::vector<std::string>& names) {
    if (!names.empty()) problems += std::string(problems.empty() ? "" : "; ") + what + ": " + list_names(names);
  };
  report("missing tensors", missing);
  report("unexpected tensors", unexpected);
  report("wrong shapes", misshaped);
  report("tensors given twice", duplicated);
  VCC_USER_CHECK(problems.empty(), source, ": weights do not match the model: ", problems);
  for (auto& [name, p] : params) {
    Tensor dst = p.value();  // shares the parameter's storage
    dst.copy_(*given.at(name));
  }
}

}  // namespace vcc::models
