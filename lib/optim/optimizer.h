#pragma once
// Optimizer: the interface the trainer drives (step, zero_grad, learning-rate multiplier,
// state export/import as named tensors for checkpoints), and parameter groups.
//
// Parameters are addressed by their module path ("encoder.layer.0.output.dense.weight"), so
// exported state tensors are named "<state>.<path>" (e.g. "exp_avg.encoder.layer.0...")
// and survive a restart as long as the model's parameter names do.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autograd/variable.h"

namespace vcc::optim {

using NamedParams = std::vector<std::pair<std::string, Var>>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// A set of parameters sharing hyper-parameters (Options: AdamWOptions, SgdOptions).
template <class Options>
struct ParamGroup {
  std::string name;  // for messages and logs, e.g. "decay", "no_decay"
  NamedParams params;
  Options options;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // Applies one update to every parameter that has a gradient (parameters without one are
  // skipped and keep their state, as in PyTorch). The learning rate of each group is its
  // options.lr times lr_multiplier().
  virtual void step() = 0;
  // Drops the gradients of all parameters.
  void zero_grad() const;

  // Scales every group's base learning rate; the trainer sets it from a schedule before each
  // step (see optim/schedule.h).
  void set_lr_multiplier(double multiplier) { lr_multiplier_ = multiplier; }
  double lr_multiplier() const { return lr_multiplier_; }
  // Effective learning rate of group `group` (for logs).
  virtual double lr(int group = 0) const = 0;

  // All parameters (with their paths) in group order.
  virtual NamedParams named_parameters() const = 0;

  // State as named tensors, sorted by name: what a checkpoint stores in optimizer.h5.
  virtual NamedTensors export_state() const = 0;
  // Replaces the state with exported tensors. Every name must refer to a parameter of this
  // optimizer with the right shape; an unknown name, a wrong shape or an incomplete set for
  // one parameter is an error naming the tensor. `source` names the file in messages.
  virtual void import_state(const NamedTensors& state, const std::string& source) = 0;

 protected:
  double lr_multiplier_ = 1.0;
};

// Parameter path -> parameter, checking that no path occurs twice across groups.
std::map<std::string, Var> index_parameters(const NamedParams& params);

}  // namespace vcc::optim
