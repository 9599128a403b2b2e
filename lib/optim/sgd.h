#pragma once
// SGD with momentum, optional Nesterov momentum and (coupled, L2) weight decay, per group;
// the update math is in optim/sgd_ops.h.
#include <map>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace vcc::optim {

struct SgdOptions {
  double lr = 1e-2;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;  // requires momentum > 0 and dampening 0 (as in PyTorch)
};

class Sgd : public Optimizer {
 public:
  using Group = ParamGroup<SgdOptions>;

  explicit Sgd(std::vector<Group> groups);
  // Groups "decay" and "no_decay" split by name pattern (see optim/param_groups.h).
  static Sgd with_no_decay(const NamedParams& params, const SgdOptions& options,
                           const std::vector<std::string>& no_decay_patterns);

  void step() override;
  double lr(int group = 0) const override;
  NamedParams named_parameters() const override;
  // "momentum_buffer.<path>" for every parameter updated at least once with momentum > 0.
  NamedTensors export_state() const override;
  void import_state(const NamedTensors& state, const std::string& source) override;

  const std::vector<Group>& groups() const { return groups_; }

 private:
  std::vector<Group> groups_;
  std::map<std::string, Var> params_;
  std::map<std::string, Tensor> momentum_;  // path -> buffer, created by the first update
};

}  // namespace vcc::optim
