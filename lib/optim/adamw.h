#pragma once
// AdamW (decoupled weight decay, bias correction, eps outside the square root) with
// per-group hyper-parameters; the update math is in optim/adamw_ops.h.
//
// The official VCC recipe: AdamW::with_no_decay(model.named_parameters(),
//   {.lr = ..., .beta1 = 0.9, .beta2 = 0.98, .eps = 1e-6, .weight_decay = 0.01}, kDefaultNoDecay).
#include <map>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace vcc::optim {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;
};

class AdamW : public Optimizer {
 public:
  using Group = ParamGroup<AdamWOptions>;

  // Hyper-parameters are checked (0 <= beta < 1, lr, eps, weight_decay >= 0); a parameter
  // path may appear in one group only.
  explicit AdamW(std::vector<Group> groups);
  // Groups "decay" and "no_decay" split by name pattern (see optim/param_groups.h).
  static AdamW with_no_decay(const NamedParams& params, const AdamWOptions& options,
                             const std::vector<std::string>& no_decay_patterns);

  void step() override;
  double lr(int group = 0) const override;
  NamedParams named_parameters() const override;
  // "exp_avg.<path>", "exp_avg_sq.<path>" (parameter dtype and shape) and "step.<path>"
  // (int64 scalar) for every parameter updated at least once.
  NamedTensors export_state() const override;
  void import_state(const NamedTensors& state, const std::string& source) override;

  const std::vector<Group>& groups() const { return groups_; }
  // Number of updates applied to the parameter at `path` (0 before its first).
  int64_t step_count(const std::string& path) const;

 private:
  struct State {
    Tensor exp_avg;
    Tensor exp_avg_sq;
    int64_t step = 0;
  };
  std::vector<Group> groups_;
  std::map<std::string, Var> params_;     // path -> parameter, for import checks
  std::map<std::string, State> state_;    // path -> moments, created by the first update
};

}  // namespace vcc::optim
