#pragma once
// Where a tensor's memory lives: the host, one CUDA device, or one emulated accelerator
// (emu:N, core/emu_device.h: a second memory that runs the CPU kernels, for CI).
#include <cstdint>
#include <string>

namespace vcc {

enum class DeviceKind : uint8_t { CPU, CUDA, EMU };

struct Device {
  DeviceKind kind = DeviceKind::CPU;
  int index = 0;

  static Device cpu() { return {DeviceKind::CPU, 0}; }
  static Device cuda(int i = 0) { return {DeviceKind::CUDA, i}; }
  static Device emu(int i = 0) { return {DeviceKind::EMU, i}; }
  bool is_cpu() const { return kind == DeviceKind::CPU; }
  bool is_cuda() const { return kind == DeviceKind::CUDA; }
  bool is_emu() const { return kind == DeviceKind::EMU; }
  bool operator==(const Device&) const = default;
  std::string str() const;
};

// True when the library was built with the CUDA backend and a device is present at run time.
bool cuda_available();
int cuda_device_count();

// Devices of a kind this process can use: 1 for the CPU, cuda_device_count(), or the
// emulated devices' count.
int device_count(DeviceKind kind);

// Makes `device` the current one of its kind for the calling thread, as cudaSetDevice does:
// device memory is allocated on the current device, and kernels run there. No-op for the CPU.
void set_current_device(Device device);

// Waits until the device has finished all the work queued on it (a GPU runs kernels
// asynchronously: timings need this), then runs the checks its ops queued
// (core/deferred_checks.h), which may throw. No-op for the CPU.
void synchronize(Device device);

// A device named by the user: "cpu", "cuda", "cuda:N", "emu" or "emu:N". `what` names the
// option in messages ("option 'train.device'"). Without an index, *index_given is false and
// the index is 0 (see resolve_device_index). Checks the device exists.
Device parse_device(const std::string& text, const std::string& what, bool* index_given = nullptr);

}  // namespace vcc
