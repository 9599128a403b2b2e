// AdamW: hand-computed steps, weight-decay groups, skipped parameters, state round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/parallel.h"
#include "nn/module.h"
#include "optim/adamw.h"
#include "optim/param_groups.h"
#include "test_util.h"

using namespace vcc;
using namespace vcc::optim;

namespace {

// A linear layer and a LayerNorm with Hugging Face parameter names.
class Block : public nn::Module {
 public:
  explicit Block(DType dtype) {
    dense_ = register_module("dense", std::make_shared<Params>(Shape{3, 2}, Shape{3}, "weight", "bias", dtype));
    norm_ = register_module("LayerNorm", std::make_shared<Params>(Shape{3}, Shape{3}, "weight", "bias", dtype));
  }
  struct Params : nn::Module {
    Params(Shape a, Shape b, const char* na, const char* nb, DType dtype) {
      register_parameter(na, vcc::testing::randn(a, 11, dtype));
      register_parameter(nb, vcc::testing::randn(b, 12, dtype));
    }
  };
  std::shared_ptr<Params> dense_, norm_;
};

void set_grad(const Var& p, std::vector<double> g) {
  p.set_grad(Tensor::from_vector<double>(g, p.shape()).to(p.dtype()));
}

// PyTorch AdamW for one scalar, straight from the published algorithm, in double.
struct ReferenceAdamW {
  double lr, beta1, beta2, eps, wd;
  double m = 0, v = 0;
  int t = 0;
  double step(double p, double g) {
    ++t;
    p *= 1 - lr * wd;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const double m_hat = m / (1 - std::pow(beta1, t));
    const double v_hat = v / (1 - std::pow(beta2, t));
    return p - lr * m_hat / (std::sqrt(v_hat) + eps);
  }
};

}  // namespace

TEST(AdamW, ThreeStepsMatchThePublishedFormulas) {
  Var p(Tensor::from_vector<double>({1.0, -2.0}, {2}), true);
  AdamWOptions o{.lr = 0.01, .beta1 = 0.9, .beta2 = 0.98, .eps = 1e-6, .weight_decay = 0.01};
  AdamW opt({{"all", {{"w", p}}, o}});
  const std::vector<std::vector<double>> grads = {{0.5, -1.0}, {0.1, 0.2}, {-0.3, 0.4}};
  ReferenceAdamW ref[2] = {{0.01, 0.9, 0.98, 1e-6, 0.01}, {0.01, 0.9, 0.98, 1e-6, 0.01}};
  double expected[2] = {1.0, -2.0};
  for (int step = 0; step < 3; ++step) {
    set_grad(p, grads[step]);
    opt.step();
    for (int i = 0; i < 2; ++i) expected[i] = ref[i].step(expected[i], grads[step][i]);
    if (step == 0) {
      // After one step m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps):
      // 1 * (1 - 0.01 * 0.01) - 0.01 * 0.5 / 0.500001 and -2 * 0.9999 + 0.01 * 1 / 1.000001.
      EXPECT_NEAR(p.value().to_vector<double>()[0], 0.98990001999996, 1e-14);
      EXPECT_NEAR(p.value().to_vector<double>()[1], -1.98980000999999, 1e-14);
    }
    const std::vector<double> got = p.value().to_vector<double>();
    for (int i = 0; i < 2; ++i) EXPECT_NEAR(got[i], expected[i], 1e-15 * std::fabs(expected[i])) << "step " << step;
  }
  EXPECT_EQ(opt.step_count("w"), 3);
}

TEST(AdamW, Float32UpdateFollowsTheDoubleReference) {
  Var p(Tensor::from_vector<float>({0.25f, -0.75f, 3.0f}, {3}), true);
  AdamW opt({{"all", {{"w", p}}, {.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.98, .eps = 1e-6, .weight_decay = 0.01}}});
  ReferenceAdamW ref[3] = {{1e-3, 0.9, 0.98, 1e-6, 0.01}, {1e-3, 0.9, 0.98, 1e-6, 0.01}, {1e-3, 0.9, 0.98, 1e-6, 0.01}};
  double expected[3] = {0.25, -0.75, 3.0};
  for (int step = 0; step < 5; ++step) {
    std::vector<double> g = {0.1 * (step + 1), -0.2, 0.05 * step};
    set_grad(p, g);
    opt.step();
    for (int i = 0; i < 3; ++i) expected[i] = ref[i].step(expected[i], g[i]);
  }
  const std::vector<float> got = p.value().to_vector<float>();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i], expected[i], 2e-6) << i;
}

TEST(AdamW, NoDecayGroupIsUntouchedByWeightDecay) {
  Block model(DType::F64);
  const auto before = model.named_parameters();
  std::vector<Tensor> initial;
  for (const auto& [name, p] : before) initial.push_back(p.value().clone());
  AdamW opt = AdamW::with_no_decay(model.named_parameters(),
                                   {.lr = 0.1, .beta1 = 0.9, .beta2 = 0.98, .eps = 1e-6, .weight_decay = 0.5},
                                   kDefaultNoDecay);
  ASSERT_EQ(opt.groups().size(), 2u);
  EXPECT_EQ(opt.groups()[0].name, "decay");
  EXPECT_EQ(opt.groups()[0].options.weight_decay, 0.5);
  EXPECT_EQ(opt.groups()[1].options.weight_decay, 0.0);
  // Zero gradients: the only change left is the decoupled decay p *= 1 - lr * wd.
  for (const auto& [name, p] : before) p.set_grad(Tensor::zeros(p.shape(), p.dtype()));
  opt.step();
  for (size_t i = 0; i < before.size(); ++i) {
    const std::string& name = before[i].first;
    const bool decayed = name == "dense.weight";
    std::vector<double> now = before[i].second.value().to_vector<double>();
    std::vector<double> was = initial[i].to_vector<double>();
    for (size_t j = 0; j < now.size(); ++j) {
      if (decayed)
        EXPECT_DOUBLE_EQ(now[j], was[j] * (1 - 0.1 * 0.5)) << name;
      else
        EXPECT_EQ(now[j], was[j]) << name << " must not be decayed";
    }
  }
}

TEST(AdamW, ParametersWithoutGradientsAreSkipped) {
  Var a(Tensor::from_vector<double>({1.0}, {1}), true), b(Tensor::from_vector<double>({2.0}, {1}), true);
  AdamW opt({{"all", {{"a", a}, {"b", b}}, {.lr = 0.1, .weight_decay = 0.1}}});
  set_grad(a, {1.0});
  opt.step();
  EXPECT_EQ(b.value().item<double>(), 2.0);
  EXPECT_EQ(opt.step_count("b"), 0);
  EXPECT_EQ(opt.step_count("a"), 1);
  EXPECT_EQ(opt.export_state().size(), 3u);  // exp_avg.a, exp_avg_sq.a, step.a
}

TEST(AdamW, LearningRateMultiplierScalesTheStep) {
  Var p(Tensor::from_vector<double>({1.0}, {1}), true);
  AdamW opt({{"all", {{"w", p}}, {.lr = 0.5, .beta1 = 0.9, .beta2 = 0.98, .eps = 0.0, .weight_decay = 0.0}}});
  opt.set_lr_multiplier(0.1);
  EXPECT_DOUBLE_EQ(opt.lr(), 0.05);
  set_grad(p, {2.0});
  opt.step();
  // First step with eps 0: p - lr_eff * sign(g).
  EXPECT_DOUBLE_EQ(p.value().item<double>(), 0.95);
}

TEST(AdamW, ExportedStateResumesBitIdentically) {
  const int64_t n = 70000;  // large enough for the threaded loop
  Tensor init = vcc::testing::randn({n}, 5, DType::F32);
  Var a(init.clone(), true), b(init.clone(), true);
  AdamWOptions o{.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.98, .eps = 1e-6, .weight_decay = 0.01};
  AdamW first({{"decay", {{"encoder.w", a}}, o}});
  for (int s = 0; s < 3; ++s) {
    a.set_grad(vcc::testing::randn({n}, 100 + s, DType::F32));
    first.step();
  }
  const NamedTensors state = first.export_state();
  ASSERT_EQ(state.size(), 3u);
  EXPECT_EQ(state[0].first, "exp_avg.encoder.w");
  EXPECT_EQ(state[1].first, "exp_avg_sq.encoder.w");
  EXPECT_EQ(state[2].first, "step.encoder.w");
  EXPECT_EQ(state[2].second.item<int64_t>(), 3);

  Tensor b_value = b.value();  // shares storage with the parameter
  b_value.copy_(a.value());
  AdamW second({{"decay", {{"encoder.w", b}}, o}});
  second.import_state(state, "test");
  Tensor g = vcc::testing::randn({n}, 200, DType::F32);
  a.set_grad(g.clone());
  b.set_grad(g.clone());
  first.step();
  second.step();
  const std::vector<float> x = a.value().to_vector<float>(), y = b.value().to_vector<float>();
  EXPECT_EQ(0, std::memcmp(x.data(), y.data(), x.size() * sizeof(float)));
  EXPECT_EQ(second.step_count("encoder.w"), 4);
}

TEST(AdamW, ThreadCountDoesNotChangeTheUpdate) {
  Tensor init = vcc::testing::randn({50000}, 9, DType::F32);
  Tensor g = vcc::testing::randn({50000}, 10, DType::F32);
  std::vector<std::vector<float>> results;
  const int saved_threads = num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Var p(init.clone(), true);
    AdamW opt({{"all", {{"w", p}}, {.lr = 1e-2}}});
    p.set_grad(g.clone());
    opt.step();
    results.push_back(p.value().to_vector<float>());
  }
  set_num_threads(saved_threads);
  EXPECT_EQ(results[0], results[1]);
}

TEST(AdamW, ImportRejectsUnknownWrongShapeAndIncompleteState) {
  Var p(Tensor::zeros({2, 3}, DType::F32), true);
  AdamW opt({{"all", {{"dense.weight", p}}, {}}});
  auto message = [&](const NamedTensors& state) {
    try {
      opt.import_state(state, "run/step-000010/optimizer.h5");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const Tensor ok = Tensor::zeros({2, 3}, DType::F32);
  const Tensor step = Tensor::scalar<int64_t>(1);
  EXPECT_EQ(message({{"exp_avg.dense.bias", ok}}),
            "run/step-000010/optimizer.h5: optimizer state tensor 'exp_avg.dense.bias' is for parameter "
            "'dense.bias', which this optimizer does not hold");
  EXPECT_EQ(message({{"velocity.dense.weight", ok}}),
            "run/step-000010/optimizer.h5: unknown optimizer state tensor 'velocity.dense.weight' (expected "
            "exp_avg.<path>, exp_avg_sq.<path>, step.<path>)");
  EXPECT_EQ(message({{"exp_avg.dense.weight", Tensor::zeros({3, 2}, DType::F32)},
                     {"exp_avg_sq.dense.weight", ok},
                     {"step.dense.weight", step}}),
            "run/step-000010/optimizer.h5: optimizer state tensor 'exp_avg.dense.weight' is float32[3,2], "
            "expected float32[2,3] like its parameter");
  EXPECT_EQ(message({{"exp_avg.dense.weight", ok}, {"step.dense.weight", step}}),
            "run/step-000010/optimizer.h5: incomplete AdamW state for parameter 'dense.weight' (exp_avg, "
            "exp_avg_sq and step expected)");
  EXPECT_EQ(message({{"exp_avg.dense.weight", ok}, {"exp_avg_sq.dense.weight", ok}, {"step.dense.weight", step}}),
            "no error");
}

TEST(AdamW, RejectsOutOfRangeHyperParameters) {
  Var p(Tensor::zeros({1}, DType::F32), true);
  EXPECT_THROW(AdamW({{"g", {{"w", p}}, {.beta1 = 1.0}}}), Error);
  EXPECT_THROW(AdamW({{"g", {{"w", p}}, {.lr = -1.0}}}), Error);
  EXPECT_THROW(AdamW({{"g", {{"w", p}}, {}}, {"h", {{"w", p}}, {}}}), Error);  // one path, two groups
}
