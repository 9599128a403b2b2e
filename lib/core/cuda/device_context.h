#pragma once
// The CUDA devices of this process: how many, which one is current, and the one stream per
// device on which every kernel, copy, cuBLAS and NCCL call of the library is ordered.
#include <cuda_runtime_api.h>

#include "core/device.h"

namespace vcc::cuda {

// Number of usable devices; 0 (never an error) when there is no driver or no device.
int device_count();
int current_device();
// Makes `device` current for this thread (checked against device_count()).
void set_device(int device);

// Sets a device for a scope and restores the previous one.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_;
};

// The library's stream on `device`, created on first use. Non-blocking: it does not wait
// for the legacy default stream, so everything the library does on a device goes here.
cudaStream_t stream(int device);
inline cudaStream_t stream(Device d) { return stream(d.index); }
// Waits until all work queued on the device's stream is done.
void synchronize(int device);

// Device memory is allocated on the current device (core's Allocator interface carries no
// device), so an op on a cuda:i tensor must run while i is current; this checks that with a
// message saying how to fix it.
void require_current(Device d, const char* op);

// Streaming multiprocessors of a device (sizes grids of grid-stride kernels).
int multiprocessor_count(int device);

}  // namespace vcc::cuda
