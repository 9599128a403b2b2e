// A training step of tiny RoBERTa and T5 models, with and without VCC, on cuda:0 against the
// CPU: the same step as the emulated-device test (tests/models/training_step_on_device.h),
// which must match the CPU bit for bit; on a GPU, to float32 tolerances, because cuBLAS
// and the CUDA reductions sum in other orders than the CPU (each step's error is a few
// float32 roundings relative to the values, far below 1e-4 for these sizes; dropout masks
// and VCC exploration draw the same numbers on both, from the same Philox state).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "gpu_test_util.h"
#include "models/training_step_on_device.h"

using namespace vcc;
using namespace vcc::testing;

namespace {

constexpr double kStepRtol = 1e-4, kStepAtol = 1e-6;

class ModelStepOnGpu : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

}  // namespace

TEST_P(ModelStepOnGpu, LossGradientsAndUpdateMatchTheCpu) {
  VCC_REQUIRE_GPU();
  const auto [type, vcc] = GetParam();
  const std::string what = std::string(type) + (vcc ? " + VCC" : "");
  Generator& g = default_generator();
  const uint64_t seed = g.seed(), offset = g.offset();
  const StepOutcome cpu = tiny_training_step(type, vcc, Device::cpu(), seed, offset);
  const StepOutcome dev = tiny_training_step(type, vcc, Device::cuda(0), seed, offset);
  EXPECT_TRUE(all_close(dev.loss.to(Device::cpu()), cpu.loss, kStepAtol, kStepRtol)) << what << " loss";
  EXPECT_NEAR(dev.grad_norm, cpu.grad_norm, kStepRtol * cpu.grad_norm) << what;
  ASSERT_EQ(cpu.gradients.size(), dev.gradients.size()) << what;
  for (const auto& [name, grad] : cpu.gradients) {
    ASSERT_TRUE(dev.gradients.count(name)) << what << " " << name;
    const Tensor d = dev.gradients.at(name);
    EXPECT_TRUE(d.device().is_cuda()) << what << " " << name;
    EXPECT_TRUE(all_close(d.to(Device::cpu()), grad, kStepAtol * cpu.grad_norm, kStepRtol))
        << what << " gradient of " << name;
  }
  // The update itself is not compared: AdamW's first step moves each weight by about
  // lr * sign(gradient), so a gradient within rounding of 0 may legitimately move it the
  // other way on the GPU. The AdamW kernel has its own CPU-vs-GPU test (optim_gpu_test.cpp);
  // here the parameters must only have stayed on the device and finite.
  for (const auto& [name, value] : dev.parameters) {
    EXPECT_TRUE(value.device().is_cuda()) << what << " " << name;
    for (double x : value.to(Device::cpu()).to(DType::F64).to_vector<double>()) ASSERT_TRUE(std::isfinite(x)) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(RobertaAndT5WithAndWithoutVcc, ModelStepOnGpu,
                         ::testing::Combine(::testing::Values("roberta", "t5"), ::testing::Bool()));
