#pragma once
// Module: a named tree of parameters and sub-modules (PyTorch-style registration), so
// checkpoints, converters and optimizers address every weight by its module path, e.g.
// "encoder.layer.3.attention.self.query.weight".
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/variable.h"

namespace vcc::nn {

class Module {
 public:
  virtual ~Module() = default;

  // Every parameter below this module with its dotted path, in registration order.
  // A parameter registered under several names (tied weights) is listed once, under the
  // first name, unless include_aliases.
  std::vector<std::pair<std::string, Var>> named_parameters(bool include_aliases = false) const;
  std::vector<Var> parameters() const;
  // Aliases: (alias path, canonical path) for tied weights.
  std::vector<std::pair<std::string, std::string>> parameter_aliases() const;
  // Parameter by full path; error naming the path if absent.
  Var parameter(const std::string& path) const;
  int64_t parameter_count() const;

  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }

  void zero_grad() const;

  // Calls fn on this module and then on every module below it (depth first, registration
  // order), e.g. to switch a setting of every Linear.
  void apply(const std::function<void(Module&)>& fn);

 protected:
  // Creates a trainable parameter holding `value`.
  Var register_parameter(const std::string& name, Tensor value);
  // Registers an existing parameter under another name (weight tying).
  void register_alias(const std::string& name, const Var& parameter);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    children_.emplace_back(name, module);
    module->train(training_);
    return module;
  }

 private:
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Var>>& out) const;

  std::vector<std::pair<std::string, Var>> params_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace vcc::nn
