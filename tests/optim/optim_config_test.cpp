// Building the optimizer and schedule from configuration options.
#include <gtest/gtest.h>

#include "optim/adamw.h"
#include "optim/optim_config.h"
#include "optim/sgd.h"

using namespace vcc;
using namespace vcc::optim;

namespace {

NamedParams params() {
  NamedParams p;
  for (const char* name : {"encoder.dense.weight", "encoder.dense.bias", "encoder.LayerNorm.weight"})
    p.emplace_back(name, Var(Tensor::zeros({2}), true));
  return p;
}

io::OptionRegistry registry() {
  io::OptionRegistry r;
  register_optim_options(r);
  return r;
}

}  // namespace

TEST(OptimConfig, DefaultsAreTheVccRecipe) {
  io::Config cfg(registry());
  OptimizerSetup setup = make_optimizer(cfg, params(), 1000);
  auto* adamw = dynamic_cast<AdamW*>(setup.optimizer.get());
  ASSERT_NE(adamw, nullptr);
  ASSERT_EQ(adamw->groups().size(), 2u);
  const AdamWOptions& o = adamw->groups()[0].options;
  EXPECT_EQ(o.beta1, 0.9);
  EXPECT_EQ(o.beta2, 0.98);
  EXPECT_EQ(o.eps, 1e-6);
  EXPECT_EQ(o.weight_decay, 0.01);
  EXPECT_EQ(adamw->groups()[0].params.size(), 1u);
  EXPECT_EQ(adamw->groups()[1].params.size(), 2u);
  EXPECT_EQ(adamw->groups()[1].options.weight_decay, 0.0);
  EXPECT_EQ(setup.schedule.kind, ScheduleKind::Linear);
  EXPECT_EQ(setup.schedule.total_steps, 1000);  // inferred
  EXPECT_EQ(setup.clip_norm, 1.0);
}

TEST(OptimConfig, OverridesSelectSgdAndSchedule) {
  io::Config cfg = io::Config::load(registry(), {},
                                    {"optim.name=sgd", "optim.lr=0.5", "optim.momentum=0.9", "optim.nesterov=true",
                                     "schedule.name=inverse_sqrt", "schedule.warmup_steps=100",
                                     "optim.no_decay=bias", "schedule.total_steps=7"});
  OptimizerSetup setup = make_optimizer(cfg, params(), 1000);
  auto* sgd = dynamic_cast<Sgd*>(setup.optimizer.get());
  ASSERT_NE(sgd, nullptr);
  EXPECT_EQ(sgd->groups()[0].params.size(), 2u);  // LayerNorm.weight decays now
  EXPECT_TRUE(sgd->groups()[0].options.nesterov);
  EXPECT_EQ(sgd->lr(), 0.5);
  EXPECT_EQ(setup.schedule.kind, ScheduleKind::InverseSqrt);
  EXPECT_EQ(setup.schedule.warmup_steps, 100);
  EXPECT_EQ(setup.schedule.total_steps, 7);  // explicit beats inferred
}

TEST(OptimConfig, BadValuesAreOneLineErrors) {
  auto message = [](std::vector<std::string> overrides) {
    try {
      make_optimizer(io::Config::load(registry(), {}, overrides), params(), 10);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({"optim.name=adam"}), "option 'optim.name': unknown optimizer 'adam' (expected adamw or sgd)");
  EXPECT_EQ(message({"optim.betas=[0.9]"}), "option 'optim.betas' needs 2 values (beta1, beta2), got 1");
  EXPECT_EQ(message({"schedule.name=linear"}), "no error");
  EXPECT_EQ(message({"optim.betas=0.9,1.5"}), "AdamW group 'decay': beta2 = 1.5 (must be in [0, 1))");
}
