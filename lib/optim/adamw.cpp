#include "optim/adamw.h"

#include "optim/param_groups.h"
#include "optim/state_names.h"
#include "optim/update_kernels.h"

namespace vcc::optim {
namespace {

void check_options(const std::string& group, const AdamWOptions& o) {
  VCC_USER_CHECK(o.lr >= 0, "AdamW group '", group, "': lr = ", o.lr, " (must be >= 0)");
  VCC_USER_CHECK(o.beta1 >= 0 && o.beta1 < 1, "AdamW group '", group, "': beta1 = ", o.beta1,
                 " (must be in [0, 1))");
  VCC_USER_CHECK(o.beta2 >= 0 && o.beta2 < 1, "AdamW group '", group, "': beta2 = ", o.beta2,
                 " (must be in [0, 1))");
  VCC_USER_CHECK(o.eps >= 0, "AdamW group '", group, "': eps = ", o.eps, " (must be >= 0)");
  VCC_USER_CHECK(o.weight_decay >= 0, "AdamW group '", group, "': weight_decay = ", o.weight_decay,
                 " (must be >= 0)");
}

}  // namespace

AdamW::AdamW(std::vector<Group> groups) : groups_(std::move(groups)) {
  for (const Group& g : groups_) check_options(g.name, g.options);
  params_ = index_parameters(named_parameters());
  for (const auto& [path, p] : params_)
    VCC_USER_CHECK(is_floating(p.dtype()), "AdamW: parameter '", path, "' is ", dtype_name(p.dtype()),
                   " (a floating-point parameter expected)");
}

AdamW AdamW::with_no_decay(const NamedParams& params, const AdamWOptions& options,
                           const std::vector<std::string>& no_decay_patterns) {
  return AdamW(decay_groups(params, options, no_decay_patterns));
}

void AdamW::step() {
  for (const Group& group : groups_) {
    const AdamWOptions& o = group.options;
    const double lr = o.lr * lr_multiplier_;
    for (const auto& [path, p] : group.params) {
      const Tensor& grad = p.grad();
      if (!grad.defined()) continue;
      State& s = state_[path];
      if (!s.exp_avg.defined()) {
        s.exp_avg = Tensor::zeros(p.shape(), p.dtype(), p.device());
        s.exp_avg_sq = Tensor::zeros(p.shape(), p.dtype(), p.device());
      }
      ++s.step;
      adamw_update(p.value(), grad, s.exp_avg, s.exp_avg_sq,
                   adamw_coefficients(lr, o.beta1, o.beta2, o.eps, o.weight_decay, s.step));
    }
  }
}

double AdamW::lr(int group) const {
  VCC_CHECK(group >= 0 && group < static_cast<int>(groups_.size()), "AdamW::lr: group ", group, " of ",
            groups_.size());
  return groups_[group].options.lr * lr_multiplier_;
}

NamedParams AdamW::named_parameters() const {
  NamedParams all;
  for (const Group& g : groups_) all.insert(all.end(), g.params.begin(), g.params.end());
  return all;
}

int64_t AdamW::step_count(const std::string& path) const {
  auto it = state_.find(path);
  return it == state_.end() ? 0 : it->second.step;
}

NamedTensors AdamW::export_state() const {
  NamedTensors out;
  for (const auto& [path, s] : state_) {
    out.emplace_back(state_name(kExpAvg, path), s.exp_avg.to(Device::cpu()).clone());
    out.emplace_back(state_name(kExpAvgSq, path), s.exp_avg_sq.to(Device::cpu()).clone());
    out.emplace_back(state_name(kStep, path), Tensor::scalar<int64_t>(s.step));
  }
  sort_by_name(out);
  return out;
}

void AdamW::import_state(const NamedTensors& state, const std::string& source) {
  std::map<std::string, State> fresh;
  for (const auto& [name, t] : state) {
    const StateName id = parse_state_name(name, {kExpAvg, kExpAvgSq, kStep}, params_, source);
    const Var& p = params_.at(id.path);
    State& s = fresh[id.path];
    if (id.kind == kStep) {
      s.step = read_step_counter(t, name, source);
    } else {
      Tensor& slot = id.kind == kExpAvg ? s.exp_avg : s.exp_avg_sq;
      slot = state_tensor_for(p, t, name, source);
    }
  }
  for (const auto& [path, s] : fresh) {
    VCC_USER_CHECK(s.exp_avg.defined() && s.exp_avg_sq.defined() && s.step > 0, source,
                   ": incomplete AdamW state for parameter '", path, "' (", kExpAvg, ", ", kExpAvgSq, " and ",
                   kStep, " expected)");
  }
  state_ = std::move(fresh);
}

}  // namespace vcc::optim
