// SGD: hand-computed momentum, Nesterov, dampening and weight-decay steps; state round trip.
#include <gtest/gtest.h>

#include "optim/sgd.h"

using namespace vcc;
using namespace vcc::optim;

namespace {

std::vector<double> run(const SgdOptions& o, double p0, const std::vector<double>& grads) {
  Var p(Tensor::from_vector<double>({p0}, {1}), true);
  Sgd opt({{"all", {{"w", p}}, o}});
  std::vector<double> values;
  for (double g : grads) {
    p.set_grad(Tensor::from_vector<double>({g}, {1}));
    opt.step();
    values.push_back(p.value().item<double>());
  }
  return values;
}

}  // namespace

TEST(Sgd, PlainStepIsLrTimesGradient) {
  const auto v = run({.lr = 0.1}, 1.0, {1.0, 2.0});
  EXPECT_DOUBLE_EQ(v[0], 0.9);   // 1 - 0.1 * 1
  EXPECT_DOUBLE_EQ(v[1], 0.7);   // 0.9 - 0.1 * 2
}

TEST(Sgd, MomentumBufferStartsAtTheFirstGradient) {
  const auto v = run({.lr = 0.1, .momentum = 0.9}, 1.0, {1.0, 2.0, 3.0});
  // buf: 1, 0.9 * 1 + 2 = 2.9, 0.9 * 2.9 + 3 = 5.61
  EXPECT_DOUBLE_EQ(v[0], 0.9);
  EXPECT_DOUBLE_EQ(v[1], 0.61);
  EXPECT_NEAR(v[2], 0.049, 1e-15);  // 0.61 - 0.561, with rounding in both
}

TEST(Sgd, NesterovLooksAhead) {
  const auto v = run({.lr = 0.1, .momentum = 0.9, .nesterov = true}, 1.0, {1.0, 2.0});
  // d = g + 0.9 * buf: 1 + 0.9 = 1.9, then 2 + 0.9 * 2.9 = 4.61
  EXPECT_DOUBLE_EQ(v[0], 0.81);
  EXPECT_DOUBLE_EQ(v[1], 0.349);
}

TEST(Sgd, DampeningScalesNewGradientsAfterTheFirst) {
  const auto v = run({.lr = 0.1, .momentum = 0.5, .dampening = 0.5}, 0.0, {2.0, 2.0});
  // buf: 2 (no dampening on the first step), then 0.5 * 2 + 0.5 * 2 = 2
  EXPECT_DOUBLE_EQ(v[0], -0.2);
  EXPECT_DOUBLE_EQ(v[1], -0.4);
}

TEST(Sgd, WeightDecayIsAddedToTheGradient) {
  const auto v = run({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.5}, 2.0, {1.0, 1.0});
  // d1 = 1 + 0.5 * 2 = 2 -> p = 1.8; d2 = 1 + 0.9 = 1.9, buf = 0.9 * 2 + 1.9 = 3.7 -> p = 1.43
  EXPECT_DOUBLE_EQ(v[0], 1.8);
  EXPECT_DOUBLE_EQ(v[1], 1.43);
}

TEST(Sgd, NesterovNeedsMomentumWithoutDampening) {
  Var p(Tensor::zeros({1}, DType::F64), true);
  EXPECT_THROW(Sgd({{"g", {{"w", p}}, {.lr = 0.1, .nesterov = true}}}), Error);
  EXPECT_THROW(Sgd({{"g", {{"w", p}}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}}}), Error);
}

TEST(Sgd, MomentumStateResumesBitIdentically) {
  SgdOptions o{.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-4, .nesterov = true};
  Var a(Tensor::from_vector<float>({1.f, -2.f, 0.5f}, {3}), true);
  Sgd first({{"all", {{"layer.weight", a}}, o}});
  a.set_grad(Tensor::from_vector<float>({0.3f, 0.1f, -0.7f}, {3}));
  first.step();
  const NamedTensors state = first.export_state();
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].first, "momentum_buffer.layer.weight");

  Var b(a.value().clone(), true);
  Sgd second({{"all", {{"layer.weight", b}}, o}});
  second.import_state(state, "test");
  const Tensor g = Tensor::from_vector<float>({-0.2f, 0.4f, 0.9f}, {3});
  a.set_grad(g.clone());
  b.set_grad(g.clone());
  first.step();
  second.step();
  EXPECT_EQ(a.value().to_vector<float>(), b.value().to_vector<float>());
  EXPECT_THROW(second.import_state({{"exp_avg.layer.weight", g}}, "test"), Error);
}
