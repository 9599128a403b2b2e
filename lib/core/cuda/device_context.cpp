#include "core/cuda/device_context.h"

#include <mutex>
#include <vector>

#include "core/cuda/cuda_check.h"
#include "core/error.h"

namespace vcc {

// The CUDA build's definitions (lib/core/device.cpp has the CPU-only ones).
bool cuda_available() { return cuda::device_count() > 0; }
int cuda_device_count() { return cuda::device_count(); }

namespace cuda {
namespace {

struct DeviceTable {
  int count = 0;
  std::vector<cudaStream_t> streams;
  std::vector<int> sm_counts;
  std::mutex mutex;
};

DeviceTable& table() {
  // Never destroyed: streams must outlive every static that may still queue work at exit,
  // and destroying them during static destruction races the runtime's own teardown.
  static DeviceTable* t = [] {
    auto* d = new DeviceTable;
    int n = 0;
    // No driver, no device, or a driver older than the runtime: report 0 devices. The
    // failed query leaves a non-sticky error behind; clear it so later calls start clean.
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();
      n = 0;
    }
    d->count = n;
    d->streams.assign(n, nullptr);
    d->sm_counts.assign(n, 0);
    return d;
  }();
  return *t;
}

void check_device(int device) {
  VCC_CHECK(device >= 0 && device < table().count, "CUDA device ", device, " requested but ", table().count,
            " device(s) are present");
}

}  // namespace

int device_count() { return table().count; }

int current_device() {
  int d = 0;
  VCC_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

void set_device(int device) {
  check_device(device);
  VCC_CUDA_CHECK(cudaSetDevice(device));
}

DeviceGuard::DeviceGuard(int device) : previous_(current_device()) {
  if (device != previous_) set_device(device);
}

DeviceGuard::~DeviceGuard() {
  int now = 0;
  if (cudaGetDevice(&now) == cudaSuccess && now != previous_) cudaSetDevice(previous_);
}

cudaStream_t stream(int device) {
  check_device(device);
  DeviceTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (!t.streams[device]) {
    DeviceGuard guard(device);
    VCC_CUDA_CHECK(cudaStreamCreateWithFlags(&t.streams[device], cudaStreamNonBlocking));
  }
  return t.streams[device];
}

void synchronize(int device) {
  cudaStream_t s = stream(device);
  VCC_CUDA_CHECK(cudaStreamSynchronize(s));
}

void require_current(Device d, const char* op) {
  VCC_CHECK(d.is_cuda(), op, ": expected a CUDA tensor, got one on ", d.str());
  const int current = current_device();
  VCC_CHECK(d.index == current, op, ": tensor on ", d.str(), " but the current CUDA device is ", current,
            "; vcc allocates on the current device, so call vcc::cuda::set_device(", d.index,
            ") before creating or using cuda:", d.index, " tensors");
}

int multiprocessor_count(int device) {
  check_device(device);
  DeviceTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (t.sm_counts[device] == 0)
    VCC_CUDA_CHECK(cudaDeviceGetAttribute(&t.sm_counts[device], cudaDevAttrMultiProcessorCount, device));
  return t.sm_counts[device];
}

}  // namespace cuda
}  // namespace vcc
