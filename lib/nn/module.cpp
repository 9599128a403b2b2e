#include "nn/module.h"

#include <unordered_map>

namespace vcc::nn {

void Module::collect(const std::string& prefix, std::vector<std::pair<std::string, Var>>& out) const {
  for (const auto& [name, p] : params_) out.emplace_back(prefix + name, p);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters(bool include_aliases) const {
  std::vector<std::pair<std::string, Var>> all;
  collect("", all);
  if (include_aliases) return all;
  std::vector<std::pair<std::string, Var>> unique;
  std::unordered_map<const Node*, bool> seen;
  for (auto& entry : all)
    if (seen.emplace(entry.second.node().get(), true).second) unique.push_back(std::move(entry));
  return unique;
}

std::vector<std::pair<std::string, std::string>> Module::parameter_aliases() const {
  std::vector<std::pair<std::string, Var>> all;
  collect("", all);
  std::unordered_map<const Node*, std::string> first;
  std::vector<std::pair<std::string, std::string>> aliases;
  for (const auto& [name, p] : all) {
    auto [it, inserted] = first.emplace(p.node().get(), name);
    if (!inserted) aliases.emplace_back(name, it->second);
  }
  return aliases;
}

std::vector<Var> Module::parameters() const {
  std::vector<Var> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

Var Module::parameter(const std::string& path) const {
  for (auto& [name, p] : named_parameters(true))
    if (name == path) return p;
  VCC_FAIL("no parameter named '", path, "'");
}

int64_t Module::parameter_count() const {
  int64_t n = 0;
  for (auto& [name, p] : named_parameters()) n += p.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::apply(const std::function<void(Module&)>& fn) {
  fn(*this);
  for (auto& [name, child] : children_) child->apply(fn);
}

void Module::zero_grad() const {
  for (auto& [name, p] : named_parameters()) p.zero_grad();
}

Var Module::register_parameter(const std::string& name, Tensor value) {
  for (auto& [n, p] : params_) VCC_CHECK(n != name, "parameter '", name, "' registered twice");
  Var v(std::move(value), true);
  params_.emplace_back(name, v);
  return v;
}

void Module::register_alias(const std::string& name, const Var& parameter) {
  params_.emplace_back(name, parameter);
}

}  // namespace vcc::nn
