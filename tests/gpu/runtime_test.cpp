// The CUDA runtime layer: device queries (also without a GPU), the caching allocator,
// host <-> device and device <-> device copies with dtype conversion, fills.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/cuda/caching_allocator.h"
#include "core/cuda/device_context.h"
#include "core/cuda/event.h"
#include "gpu_test_util.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using vcc::testing::randn;

TEST(CudaRuntime, DeviceCountQueryNeverFails) {
  const int n = cuda_device_count();
  EXPECT_GE(n, 0);
  EXPECT_EQ(cuda_available(), n > 0);
  EXPECT_EQ(cuda::device_count(), n);
}

TEST(CudaRuntime, AllocationWithoutDeviceIsAnErrorNamingTheCause) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "only meaningful on a machine without a CUDA device";
  try {
    Tensor::empty({4}, DType::F32, Device::cuda(0));
    FAIL() << "allocating device memory without a device did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no CUDA device"), std::string::npos) << e.what();
  }
}

TEST(CachingAllocator, RoundsSmallRequestsTo512BytesAndLargeOnesTo2MiB) {
  EXPECT_EQ(cuda::CachingAllocator::round_size(0), 512u);
  EXPECT_EQ(cuda::CachingAllocator::round_size(1), 512u);
  EXPECT_EQ(cuda::CachingAllocator::round_size(513), 1024u);
  EXPECT_EQ(cuda::CachingAllocator::round_size(1 << 20), size_t{1} << 20);
  EXPECT_EQ(cuda::CachingAllocator::round_size((1 << 20) + 1), size_t{2} << 20);
  EXPECT_EQ(cuda::CachingAllocator::round_size((size_t{5} << 20) + 7), size_t{6} << 20);
}

TEST(CachingAllocator, ReusesFreedBlocksAndKeepsStatistics) {
  VCC_REQUIRE_GPU();
  cuda::empty_cache();
  const cuda::CudaMemoryStats before = cuda::memory_stats(0);
  { Tensor a = Tensor::empty({1 << 18}, DType::F32, Device::cuda(0)); }  // 1 MiB, then cached
  const cuda::CudaMemoryStats freed = cuda::memory_stats(0);
  EXPECT_EQ(freed.live_bytes, before.live_bytes);
  EXPECT_EQ(freed.cached_bytes, before.cached_bytes + (1 << 20));
  EXPECT_GE(freed.peak_bytes, before.live_bytes + (1 << 20));
  Tensor b = Tensor::empty({1 << 18}, DType::F32, Device::cuda(0));
  const cuda::CudaMemoryStats reused = cuda::memory_stats(0);
  EXPECT_EQ(reused.cache_hits, freed.cache_hits + 1);
  EXPECT_EQ(reused.device_mallocs, freed.device_mallocs);
  EXPECT_EQ(reused.live_bytes, before.live_bytes + (1 << 20));
  EXPECT_EQ(reused.reserved_bytes, reused.live_bytes + reused.cached_bytes);
}

TEST(DeviceCopy, RoundTripsEveryDtypeExactly) {
  VCC_REQUIRE_GPU();
  for (DType dt : {DType::F32, DType::F64, DType::I32, DType::I64, DType::U8, DType::BF16}) {
    const Tensor x = vcc::testing::rand_uniform({5, 37}, 3, 0, 100).to(dt);
    const Tensor back = cpu(gpu(x));
    EXPECT_EQ(back.dtype(), dt);
    EXPECT_TRUE(identical(back, x)) << dtype_name(dt);
  }
}

TEST(DeviceCopy, LargeCopiesCrossSeveralStagingChunks) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({3, 1 << 21}, 4, DType::F32);  // 24 MiB: three staging chunks
  EXPECT_TRUE(identical(cpu(gpu(x)), x));
}

TEST(DeviceCopy, StridedViewsAndBroadcastsCopyBothWays) {
  VCC_REQUIRE_GPU();
  const Tensor x = randn({4, 6, 5}, 5, DType::F32);
  EXPECT_TRUE(identical(cpu(gpu(x.transpose(0, 2))), x.transpose(0, 2).contiguous()));
  const Tensor g = gpu(x);
  EXPECT_TRUE(identical(g.permute({2, 0, 1}).contiguous(), x.permute({2, 0, 1}).contiguous()));
  EXPECT_TRUE(identical(cpu(g.narrow(1, 2, 3)), x.narrow(1, 2, 3).contiguous()));
  // Host -> device into a strided destination, from a broadcast source.
  Tensor dst = Tensor::zeros({5, 4}, DType::F32, Device::cuda(0));
  Tensor view = dst.transpose(0, 1);
  const Tensor row = randn({5}, 6, DType::F32);
  view.copy_(row.expand({4, 5}));
  EXPECT_TRUE(identical(dst, row.unsqueeze(1).expand({5, 4}).contiguous()));
}

TEST(DeviceCopy, ConvertsOnTheDeviceWithTheHostsRounding) {
  VCC_REQUIRE_GPU();
  // Values around bfloat16 rounding ties, NaN, infinities, and ordinary numbers.
  std::vector<float> v = {1.0f, 1.00390625f, 1.01171875f, -2.5f, 3.0e38f, -1e-40f,
                          std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
  for (int i = 0; i < 100; ++i) v.push_back(static_cast<float>(std::sin(i) * std::pow(10.0, i % 9 - 4)));
  const Tensor x = Tensor::from_vector<float>(v, {static_cast<int64_t>(v.size())});
  const Tensor on_device = gpu(x).to(DType::BF16);
  EXPECT_TRUE(identical(on_device, x.to(DType::BF16)));
  EXPECT_TRUE(identical(on_device.to(DType::F64), x.to(DType::BF16).to(DType::F64)));
  const Tensor ints = vcc::testing::rand_uniform({50}, 7, -1000, 1000);
  EXPECT_TRUE(identical(gpu(ints).to(DType::I32), ints.to(DType::I32)));
  EXPECT_TRUE(identical(gpu(ints).to(DType::F32).to(DType::I64), ints.to(DType::F32).to(DType::I64)));
}

TEST(DeviceCopy, FillsEveryDtypeAndStridedViews) {
  VCC_REQUIRE_GPU();
  for (DType dt : {DType::F32, DType::F64, DType::I32, DType::I64, DType::U8, DType::BF16}) {
    const Tensor t = Tensor::full({3, 4}, 2.75, dt, Device::cuda(0));
    EXPECT_TRUE(identical(t, Tensor::full({3, 4}, 2.75, dt))) << dtype_name(dt);
  }
  Tensor t = Tensor::zeros({3, 4}, DType::F32, Device::cuda(0));
  t.narrow(1, 1, 2).fill_(-1.5);
  Tensor expected = Tensor::zeros({3, 4});
  expected.narrow(1, 1, 2).fill_(-1.5);
  EXPECT_TRUE(identical(t, expected));
}

TEST(DeviceCopy, CopiesBetweenTwoDevices) {
  VCC_REQUIRE_GPUS(2);
  const Tensor x = randn({7, 9}, 8, DType::F32);
  const Tensor on0 = gpu(x);
  Tensor on1;
  {
    cuda::DeviceGuard guard(1);
    on1 = on0.transpose(0, 1).to(Device::cuda(1));
  }
  EXPECT_EQ(on1.device(), Device::cuda(1));
  EXPECT_TRUE(identical(on1, x.transpose(0, 1).contiguous()));
}

TEST(DeviceContext, OpsOnANonCurrentDeviceNameTheFix) {
  VCC_REQUIRE_GPUS(2);
  Tensor on1;
  {
    cuda::DeviceGuard guard(1);
    on1 = Tensor::ones({4}, DType::F32, Device::cuda(1));
  }
  try {
    cuda::require_current(on1.device(), "test op");
    FAIL() << "no error for a tensor on a device that is not current";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("set_device(1)"), std::string::npos) << e.what();
  }
}

TEST(Event, RecordsAndWaitsForStreamWork) {
  VCC_REQUIRE_GPU();
  cuda::Event start(true), end(true);
  start.record(cuda::stream(0));
  const Tensor t = Tensor::ones({1 << 20}, DType::F32, Device::cuda(0));
  end.record(cuda::stream(0));
  end.synchronize();
  EXPECT_TRUE(end.done());
  EXPECT_GE(cuda::Event::elapsed_ms(start, end), 0.0f);
}
