#include "optim/sgd.h"

#include "optim/param_groups.h"
#include "optim/state_names.h"
#include "optim/update_kernels.h"

namespace vcc::optim {
namespace {

void check_options(const std::string& group, const SgdOptions& o) {
  VCC_USER_CHECK(o.lr >= 0, "SGD group '", group, "': lr = ", o.lr, " (must be >= 0)");
  VCC_USER_CHECK(o.momentum >= 0, "SGD group '", group, "': momentum = ", o.momentum, " (must be >= 0)");
  VCC_USER_CHECK(o.weight_decay >= 0, "SGD group '", group, "': weight_decay = ", o.weight_decay,
                 " (must be >= 0)");
  VCC_USER_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), "SGD group '", group,
                 "': Nesterov momentum needs momentum > 0 and dampening 0 (got momentum ", o.momentum,
                 ", dampening ", o.dampening, ")");
}

}  // namespace

Sgd::Sgd(std::vector<Group> groups) : groups_(std::move(groups)) {
  for (const Group& g : groups_) check_options(g.name, g.options);
  params_ = index_parameters(named_parameters());
  for (const auto& [path, p] : params_)
    VCC_USER_CHECK(is_floating(p.dtype()), "SGD: parameter '", path, "' is ", dtype_name(p.dtype()),
                   " (a floating-point parameter expected)");
}

Sgd Sgd::with_no_decay(const NamedParams& params, const SgdOptions& options,
                       const std::vector<std::string>& no_decay_patterns) {
  return Sgd(decay_groups(params, options, no_decay_patterns));
}

void Sgd::step() {
  for (const Group& group : groups_) {
    const SgdOptions& o = group.options;
    SgdCoefficients c;
    c.lr = o.lr * lr_multiplier_;
    c.momentum = o.momentum;
    c.dampening = o.dampening;
    c.weight_decay = o.weight_decay;
    c.nesterov = o.nesterov;
    for (const auto& [path, p] : group.params) {
      const Tensor& grad = p.grad();
      if (!grad.defined()) continue;
      Tensor buffer;
      c.first_step = false;
      if (o.momentum != 0.0) {
        auto it = momentum_.find(path);
        c.first_step = it == momentum_.end();  // the buffer starts as the first (decayed) gradient
        buffer = c.first_step ? Tensor::empty(p.shape(), p.dtype(), p.device()) : it->second;
      }
      sgd_update(p.value(), grad, buffer, c);
      // Stored only once filled, so a failed update never leaves an uninitialised buffer.
      if (c.first_step) momentum_.emplace(path, buffer);
    }
  }
}

double Sgd::lr(int group) const {
  VCC_CHECK(group >= 0 && group < static_cast<int>(groups_.size()), "Sgd::lr: group ", group, " of ",
            groups_.size());
  return groups_[group].options.lr * lr_multiplier_;
}

NamedParams Sgd::named_parameters() const {
  NamedParams all;
  for (const Group& g : groups_) all.insert(all.end(), g.params.begin(), g.params.end());
  return all;
}

NamedTensors Sgd::export_state() const {
  NamedTensors out;
  for (const auto& [path, b] : momentum_) out.emplace_back(state_name(kMomentumBuffer, path), b.to(Device::cpu()).clone());
  sort_by_name(out);
  return out;
}

void Sgd::import_state(const NamedTensors& state, const std::string& source) {
  std::map<std::string, Tensor> fresh;
  for (const auto& [name, t] : state) {
    const StateName id = parse_state_name(name, {kMomentumBuffer}, params_, source);
    fresh[id.path] = state_tensor_for(params_.at(id.path), t, name, source);
  }
  momentum_ = std::move(fresh);
}

}  // namespace vcc::optim
