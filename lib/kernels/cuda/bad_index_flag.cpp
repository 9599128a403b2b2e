#include "kernels/cuda/bad_index_flag.h"

#include <array>
#include <mutex>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_context.h"
#include "core/deferred_checks.h"
#include "core/error.h"

namespace vcc::kernels::cuda {
namespace {

constexpr int kMaxDevices = 64;

// One ring of kMaxPending words per device, allocated on first use and kept for the process.
struct FlagPool {
  volatile int32_t* host = nullptr;
  int32_t* device = nullptr;
  size_t next = 0;
};

std::mutex g_mutex;
std::array<FlagPool, kMaxDevices> g_pools;

}  // namespace

BadIndexFlag::BadIndexFlag(Device device) : device_(device) {
  VCC_CHECK(device.is_cuda() && device.index >= 0 && device.index < kMaxDevices, "BadIndexFlag on ", device.str());
  // Room for this launch's check: the word it takes must not belong to a check still queued.
  if (deferred_checks::pending(device) + 1 >= deferred_checks::kMaxPending) synchronize(device);
  std::lock_guard<std::mutex> lock(g_mutex);
  FlagPool& pool = g_pools[static_cast<size_t>(device.index)];
  if (pool.host == nullptr) {
    vcc::cuda::DeviceGuard guard(device.index);
    void* host = nullptr;
    VCC_CUDA_CHECK(cudaHostAlloc(&host, deferred_checks::kMaxPending * sizeof(int32_t),
                                 cudaHostAllocMapped | cudaHostAllocPortable));
    void* dev = nullptr;
    VCC_CUDA_CHECK(cudaHostGetDevicePointer(&dev, host, 0));
    pool.host = static_cast<volatile int32_t*>(host);
    pool.device = static_cast<int32_t*>(dev);
  }
  const size_t i = pool.next;
  pool.next = (pool.next + 1) % deferred_checks::kMaxPending;
  host_word_ = pool.host + i;
  device_word_ = pool.device + i;
  *host_word_ = 0;  // written before the launch that may set it, so the kernel sees 0
}

void BadIndexFlag::check_after_launch(std::function<void()> report) const {
  volatile int32_t* word = host_word_;
  if (deferred_checks::at_launch()) {
    vcc::cuda::synchronize(device_.index);
    if (*word != 0) report();
    return;
  }
  deferred_checks::add(device_, [word, report = std::move(report)] {
    if (*word != 0) report();
  });
}

}  // namespace vcc::kernels::cuda
