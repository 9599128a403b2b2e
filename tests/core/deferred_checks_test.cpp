// Index errors of device ops are reported at the device's next host read, not at the launch
// (core/deferred_checks.h): the emulated device behaves as the CUDA launchers do.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/deferred_checks.h"
#include "core/emu_device.h"
#include "core/tensor.h"
#include "kernels/index.h"
#include "kernels/vcc_tree.h"
#include "test_util.h"

using namespace vcc;

namespace {

using vcc::testing::error_of;
using vcc::testing::ScopedEnv;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A gather whose index 7 is outside a dimension of size 3.
Tensor bad_gather(Device dev) {
  const Tensor x = Tensor::from_vector<float>({1, 2, 3}, {1, 3}).to(dev);
  const Tensor index = Tensor::from_vector<int64_t>({0, 7}, {1, 2}).to(dev);
  return kernels::gather(x, 1, index);
}

}  // namespace

TEST(DeferredChecks, TheCpuReportsABadIndexAtTheLaunch) {
  const std::string e = error_of([] { bad_gather(Device::cpu()); });
  EXPECT_TRUE(contains(e, "gather: index 7 is out of range for dimension 1 of size 3")) << e;
  EXPECT_FALSE(contains(e, "reported at the next read")) << e;
}

TEST(DeferredChecks, AnIndexOpOnADeviceDoesNotWaitForIt) {
  const Tensor x = Tensor::from_vector<float>({1, 2, 3}, {1, 3}).to(Device::emu(0));
  const Tensor index = Tensor::from_vector<int64_t>({2, 0}, {1, 2}).to(Device::emu(0));
  emu::reset_host_syncs();
  const Tensor out = kernels::gather(x, 1, index);
  EXPECT_EQ(emu::host_syncs(), 0);
  EXPECT_EQ(deferred_checks::pending(Device::emu(0)), 0u);
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{3, 1}));
}

TEST(DeferredChecks, ADeviceReportsABadIndexAtItsNextHostRead) {
  Tensor out;
  EXPECT_EQ(error_of([&] { out = bad_gather(Device::emu(0)); }), "no error");
  EXPECT_EQ(deferred_checks::pending(Device::emu(0)), 1u);
  // Other devices' reads do not report it.
  set_current_device(Device::emu(1));
  EXPECT_EQ(error_of([] { Tensor::ones({2}, DType::F32, Device::emu(1)).to(Device::cpu()); }), "no error");
  set_current_device(Device::emu(0));
  const std::string e = error_of([&] { out.to(Device::cpu()); });
  EXPECT_TRUE(contains(e, "gather: index 7 is out of range for dimension 1 of size 3")) << e;
  EXPECT_TRUE(contains(e, "reported at the next read from it; set VCC_SYNC_INDEX_CHECKS=1")) << e;
  EXPECT_TRUE(contains(e, "emu:0")) << e;
  // Reported once: the queue is empty afterwards.
  EXPECT_EQ(deferred_checks::pending(Device::emu(0)), 0u);
  EXPECT_EQ(error_of([&] { out.to(Device::cpu()); }), "no error");
}

TEST(DeferredChecks, SynchronizeAndItemReportThemToo) {
  bad_gather(Device::emu(0));
  EXPECT_TRUE(contains(error_of([] { synchronize(Device::emu(0)); }), "gather: index 7")) ;
  const Tensor ok = Tensor::from_vector<float>({5}, {1}).to(Device::emu(0));
  bad_gather(Device::emu(0));
  EXPECT_TRUE(contains(error_of([&] { ok.item<float>(); }), "gather: index 7"));
}

TEST(DeferredChecks, TheFirstFailureInLaunchOrderIsReported) {
  const Tensor rows = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 2, 2}).to(Device::emu(0));
  kernels::gather_rows(rows, Tensor::from_vector<int64_t>({5}, {1, 1}).to(Device::emu(0)));
  bad_gather(Device::emu(0));
  const std::string e = error_of([] { synchronize(Device::emu(0)); });
  EXPECT_TRUE(contains(e, "gather_rows: index 5 out of range [0, 2)")) << e;
  EXPECT_EQ(deferred_checks::pending(Device::emu(0)), 0u);  // the later one is dropped with it
}

TEST(DeferredChecks, SyncIndexChecksStopsAtTheLaunchAndCountsTheWait) {
  ScopedEnv on("VCC_SYNC_INDEX_CHECKS", "1");
  const std::string e = error_of([] { bad_gather(Device::emu(0)); });
  EXPECT_TRUE(contains(e, "gather: index 7 is out of range")) << e;
  EXPECT_FALSE(contains(e, "reported at the next read")) << e;
  EXPECT_EQ(deferred_checks::pending(Device::emu(0)), 0u);
  const Tensor x = Tensor::from_vector<float>({1, 2, 3}, {1, 3}).to(Device::emu(0));
  const Tensor index = Tensor::from_vector<int64_t>({2, 0}, {1, 2}).to(Device::emu(0));
  emu::reset_host_syncs();
  kernels::gather(x, 1, index);
  EXPECT_EQ(emu::host_syncs(), 1);  // the flag read after the launch
}
