#include "optim/optim_config.h"

#include "optim/adamw.h"
#include "optim/param_groups.h"
#include "optim/sgd.h"

namespace vcc::optim {

void register_optim_options(io::OptionRegistry& r) {
  r.add("optim.name", "adamw", "Optimizer: adamw or sgd.")
      .add("optim.lr", 1e-4, "Peak learning rate (the schedule multiplies it).")
      .add<std::vector<double>>("optim.betas", {0.9, 0.98}, "AdamW (beta1, beta2).")
      .add("optim.eps", 1e-6, "AdamW epsilon, added outside the square root.")
      .add("optim.weight_decay", 0.01, "Decoupled (AdamW) or L2 (SGD) weight decay of the decay group.")
      .add<std::vector<std::string>>("optim.no_decay", {"bias", "LayerNorm.weight"},
                                     "Parameter name patterns without weight decay (dotted suffixes, * and ? wildcards).")
      .add("optim.momentum", 0.0, "SGD momentum (0 = none).")
      .add("optim.dampening", 0.0, "SGD momentum dampening.")
      .add("optim.nesterov", false, "SGD: use Nesterov momentum.")
      .add("schedule.name", "linear", "Learning-rate schedule: constant, linear, cosine or inverse_sqrt.")
      .add("schedule.warmup_steps", 0, "Steps of linear warm-up from 0 to the peak learning rate.")
      .add("schedule.total_steps", 0,
           "Step where linear and cosine schedules reach 0; 0 = inferred by the trainer from the epochs.")
      .add("train.clip_norm", 1.0, "Clip the global gradient L2 norm to this value (0 = no clipping).");
}

Schedule schedule_from_config(const io::Config& config, int64_t inferred_total_steps) {
  Schedule s;
  s.kind = parse_schedule_kind(config.get<std::string>("schedule.name"));
  s.warmup_steps = config.get<int64_t>("schedule.warmup_steps");
  s.total_steps = config.get<int64_t>("schedule.total_steps");
  if (s.total_steps == 0) s.total_steps = inferred_total_steps;
  validate(s);
  return s;
}

OptimizerSetup make_optimizer(const io::Config& config, const NamedParams& params, int64_t inferred_total_steps) {
  OptimizerSetup setup;
  const std::string name = config.get<std::string>("optim.name");
  const auto no_decay = config.get<std::vector<std::string>>("optim.no_decay");
  if (name == "adamw") {
    const auto betas = config.get<std::vector<double>>("optim.betas");
    VCC_USER_CHECK(betas.size() == 2, "option 'optim.betas' needs 2 values (beta1, beta2), got ", betas.size());
    AdamWOptions o;
    o.lr = config.get<double>("optim.lr");
    o.beta1 = betas[0];
    o.beta2 = betas[1];
    o.eps = config.get<double>("optim.eps");
    o.weight_decay = config.get<double>("optim.weight_decay");
    setup.optimizer = std::make_unique<AdamW>(AdamW::with_no_decay(params, o, no_decay));
  } else if (name == "sgd") {
    SgdOptions o;
    o.lr = config.get<double>("optim.lr");
    o.momentum = config.get<double>("optim.momentum");
    o.dampening = config.get<double>("optim.dampening");
    o.nesterov = config.get<bool>("optim.nesterov");
    o.weight_decay = config.get<double>("optim.weight_decay");
    setup.optimizer = std::make_unique<Sgd>(Sgd::with_no_decay(params, o, no_decay));
  } else {
    VCC_USER_CHECK(false, "option 'optim.name': unknown optimizer '", name, "' (expected adamw or sgd)");
  }
  setup.schedule = schedule_from_config(config, inferred_total_steps);
  setup.clip_norm = config.get<double>("train.clip_norm");
  VCC_USER_CHECK(setup.clip_norm >= 0, "option 'train.clip_norm' is ", setup.clip_norm, " (must be >= 0)");
  return setup;
}

}  // namespace vcc::optim
