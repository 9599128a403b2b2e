// The models on the emulated accelerator (core/emu_device.h) give the CPU's bits: RoBERTa
// and T5, each with and without VCC, a training step (forward and backward in training mode
// with dropout and VCC exploration on, the multiple-choice head, clipping, AdamW), and T5
// generation, greedy and beam. emu:1 is
// used, not emu:0, so that a tensor made on the default device or on the host fails.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "autograd/ops.h"
#include "core/emu_device.h"
#include "core/rng.h"
#include "io/npy.h"
#include "models/generation.h"
#include "models/model_factory.h"
#include "models/roberta.h"
#include "models/t5.h"
#include "model_test_util.h"
#include "models/training_step_on_device.h"

using namespace vcc;
using namespace vcc::testing;

namespace {

const Device kEmu = Device::emu(1);

// Makes `device` current for the test's lifetime (the host's rule: allocate on the current
// device), and emu:0 again afterwards.
struct CurrentDevice {
  explicit CurrentDevice(Device d) { set_current_device(d); }
  ~CurrentDevice() { set_current_device(Device::emu(0)); }
};

void move_parameters(const nn::Module& m, Device d) {
  for (auto& [name, p] : m.named_parameters()) p.node()->value = p.value().to(d);
}

::testing::AssertionResult same_bits(const Tensor& cpu, const Tensor& dev, const std::string& what) {
  if (!dev.device().is_emu()) return ::testing::AssertionFailure() << what << " is not on the device: " << dev.describe();
  const Tensor a = cpu.contiguous(), b = dev.to(Device::cpu()).contiguous();
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return ::testing::AssertionFailure() << what << ": " << a.describe() << " vs " << b.describe();
  if (std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) != 0)
    return ::testing::AssertionFailure() << what << " differs between the CPU and " << dev.device().str();
  return ::testing::AssertionSuccess();
}

class ModelsOnEmulatedDevice : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

}  // namespace

TEST_P(ModelsOnEmulatedDevice, ATrainingStepGivesTheCpuBits) {
  const auto [type, vcc] = GetParam();
  const std::string what = std::string(type) + (vcc ? " + VCC" : "");
  Generator& g = default_generator();  // dropout's and exploration's: both runs draw the same
  const uint64_t seed = g.seed(), offset = g.offset();
  const StepOutcome cpu = tiny_training_step(type, vcc, Device::cpu(), seed, offset);
  CurrentDevice current(kEmu);
  const StepOutcome dev = tiny_training_step(type, vcc, kEmu, seed, offset);
  // The host never waits for the device in forward and backward (issue 15's budget: a
  // trainer step adds its loss read and the gradient norm's, two in all).
  EXPECT_EQ(dev.host_syncs_in_forward_backward, 0) << "host syncs in " << what << " forward and backward";
  EXPECT_TRUE(same_bits(cpu.loss, dev.loss, what + " loss"));
  EXPECT_EQ(cpu.grad_norm, dev.grad_norm) << what;
  ASSERT_EQ(cpu.gradients.size(), dev.gradients.size()) << what;
  for (const auto& [name, grad] : cpu.gradients) {
    ASSERT_TRUE(dev.gradients.count(name)) << what << " " << name;
    EXPECT_TRUE(same_bits(grad, dev.gradients.at(name), what + " gradient of " + name));
  }
  for (const auto& [name, value] : cpu.parameters)
    EXPECT_TRUE(same_bits(value, dev.parameters.at(name), what + " updated " + name));
}

INSTANTIATE_TEST_SUITE_P(RobertaAndT5WithAndWithoutVcc, ModelsOnEmulatedDevice,
                         ::testing::Combine(::testing::Values("roberta", "t5"), ::testing::Bool()));

class T5GenerationOnEmulatedDevice : public ::testing::TestWithParam<const char*> {};

TEST_P(T5GenerationOnEmulatedDevice, GreedyAndBeamGiveTheCpuBits) {
  const std::string name = GetParam();
  const Tensor ids = io::read_npy(hf_reference("refs/" + name + "/input_ids.npy"));
  const Tensor mask = io::read_npy(hf_reference("refs/" + name + "/attention_mask.npy"));
  auto cpu = load_reference_model<models::T5Model>(name);
  CurrentDevice current(kEmu);
  auto dev = load_reference_model<models::T5Model>(name);
  move_parameters(*dev, kEmu);
  for (int64_t beams : {1, 3}) {
    for (bool cache : {true, false}) {
      if (beams > 1 && !cache) continue;  // the uncached path is the greedy one's
      models::GenerationOptions o;
      o.max_new_tokens = 8;
      o.num_beams = beams;
      o.use_cache = cache;
      const models::GenerationOutput a = models::generate(*cpu, ids, mask, o);
      const models::GenerationOutput b = models::generate(*dev, ids.to(kEmu), mask.to(kEmu), o);
      const std::string what = name + " beams " + std::to_string(beams) + (cache ? " cached" : " uncached");
      EXPECT_EQ(b.sequences.to_vector<int64_t>(), a.sequences.to_vector<int64_t>()) << what;
      if (a.sequence_scores.defined()) {
        EXPECT_EQ(b.sequence_scores.to_vector<double>(), a.sequence_scores.to_vector<double>()) << what;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(V10AndV11, T5GenerationOnEmulatedDevice, ::testing::Values("t5-v1_0-tiny", "t5-v1_1-tiny"));
