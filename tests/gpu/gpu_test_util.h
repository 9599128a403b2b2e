#pragma once
// Helpers of the GPU op suite: skipping without a device, moving inputs to it, and the
// CPU-vs-GPU comparisons (float32 to 1e-5, bfloat16 to 2e-2, relative).
#include <gtest/gtest.h>

#include "core/device.h"
#include "core/tensor.h"
#include "test_util.h"

// Skips the calling test (reported by ctest as skipped) unless `n` CUDA devices are present.
#define VCC_REQUIRE_GPUS(n)                                                                        \
  do {                                                                                             \
    if (::vcc::cuda_device_count() < (n))                                                          \
      GTEST_SKIP() << "needs " << (n) << " CUDA device(s), found " << ::vcc::cuda_device_count(); \
  } while (0)
#define VCC_REQUIRE_GPU() VCC_REQUIRE_GPUS(1)

namespace vcc::gpu_testing {

constexpr double kF32Rtol = 1e-5, kF32Atol = 1e-6;
constexpr double kBF16Rtol = 2e-2, kBF16Atol = 1e-2;

inline Tensor gpu(const Tensor& t) { return t.to(Device::cuda(0)); }
inline Tensor cpu(const Tensor& t) { return t.to(Device::cpu()); }

// A GPU result against the CPU's for the same inputs.
inline ::testing::AssertionResult close_f32(const Tensor& on_gpu, const Tensor& on_cpu) {
  if (!on_gpu.device().is_cuda()) return ::testing::AssertionFailure() << "not a GPU result: " << on_gpu.describe();
  return vcc::testing::all_close(cpu(on_gpu), on_cpu, kF32Atol, kF32Rtol);
}
inline ::testing::AssertionResult close_bf16(const Tensor& on_gpu, const Tensor& on_cpu) {
  if (!on_gpu.device().is_cuda()) return ::testing::AssertionFailure() << "not a GPU result: " << on_gpu.describe();
  return vcc::testing::all_close(cpu(on_gpu).to(DType::F32), on_cpu.to(DType::F32), kBF16Atol, kBF16Rtol);
}
// Bit-for-bit equal (indices, copies, dropout masks, deterministic sums).
inline ::testing::AssertionResult identical(const Tensor& on_gpu, const Tensor& on_cpu) {
  if (on_gpu.shape() != on_cpu.shape() || on_gpu.dtype() != on_cpu.dtype())
    return ::testing::AssertionFailure() << on_gpu.describe() << " vs " << on_cpu.describe();
  const std::vector<double> a = cpu(on_gpu).to_vector<double>(), b = on_cpu.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (a[i] != a[i] && b[i] != b[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs " << b[i];
  return ::testing::AssertionSuccess();
}

// Normal(0, 1) values in float32 that are exact in bfloat16 (so a CPU float32 reference
// and a GPU bfloat16 computation start from the same numbers).
inline Tensor randn_bf16_exact(const Shape& shape, uint64_t seed) {
  return vcc::testing::randn(shape, seed, DType::F32).to(DType::BF16).to(DType::F32);
}

}  // namespace vcc::gpu_testing
