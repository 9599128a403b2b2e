#pragma once
// Configuration options of lib/optim (optim.*, schedule.*, train.clip_norm) and the factory
// that builds the optimizer and schedule they describe.
//
//   io::OptionRegistry r; optim::register_optim_options(r); ...
//   io::Config cfg = io::Config::load(r, files, overrides);
//   optim::OptimizerSetup setup = optim::make_optimizer(cfg, model.named_parameters(), steps_from_epochs);
//   for (int64_t step = start; step < total; ++step) {
//     ... backward ...
//     double norm = optim::clip_grad_norm(model.parameters(), setup.clip_norm);
//     setup.optimizer->set_lr_multiplier(optim::lr_multiplier(setup.schedule, step));
//     setup.optimizer->step();
//     setup.optimizer->zero_grad();
//   }
// Defaults are the official VCC recipe: AdamW, betas (0.9, 0.98), eps 1e-6, weight decay
// 0.01 except biases and LayerNorm weights, linear warm-up and decay to 0, clipping at 1.0.
#include <memory>

#include "io/config.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"

namespace vcc::optim {

void register_optim_options(io::OptionRegistry& registry);

struct OptimizerSetup {
  std::unique_ptr<Optimizer> optimizer;
  Schedule schedule;
  double clip_norm = 0.0;  // train.clip_norm; 0 disables clipping
};

// Builds the optimizer named by optim.name ("adamw" or "sgd") over `params`, split into
// decay / no-decay groups by optim.no_decay, and the schedule. schedule.total_steps 0 means
// "use inferred_total_steps" (e.g. computed from epochs by the trainer).
OptimizerSetup make_optimizer(const io::Config& config, const NamedParams& params, int64_t inferred_total_steps = 0);
// The schedule part alone.
Schedule schedule_from_config(const io::Config& config, int64_t inferred_total_steps = 0);

}  // namespace vcc::optim
