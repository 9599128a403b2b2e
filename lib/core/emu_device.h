#pragma once
// The emulated accelerator, emu:N: a device that behaves like a GPU in everything except
// speed, so that CI finds what only a second memory shows (host pointers into device memory,
// CPU tensors handed to device ops, copies freed too early, the wrong current device).
//   - Its own allocator per index; blocks are poisoned (0xFF: NaN in every float type, -1
//     in every integer type) when handed out and when freed, and freed blocks wait in a
//     quarantine before going back to the host heap, so a read after free sees NaNs or bad
//     indices (and AddressSanitizer, once they are returned, reports it).
//   - to(cpu) and to(emu) are real copies; each copy from emu memory to the host counts as
//     a host synchronisation (host_syncs()), as cudaMemcpy to the host stalls a GPU.
//   - CUDA's current-device rules: memory is allocated on the current device of the calling
//     thread (set_current_device), and a kernel refuses operands on another device or index.
//   - Kernels are the CPU kernels, run inside a KernelScope (kernels/dispatch.h); outside one,
//     Tensor::data()/raw_data() of emu memory fails, so host code must copy explicitly.
#include <cstdint>
#include <string>

#include "core/allocator.h"
#include "core/device.h"

namespace vcc::emu {

// Emulated devices a process has (emu:0 .. emu:7).
constexpr int kDeviceCount = 8;

// The calling thread's current emulated device (0 until set, as with CUDA).
int current_device();
void set_device(int index);

// Fails unless d is the calling thread's current emulated device, in the words of the CUDA
// path (core/cuda/device_context.h require_current).
void require_current(Device d, const char* op);

// The allocator of emu:index (allocations must happen while index is current).
Allocator& allocator(int index);

// Marks the span of one kernel on emulated memory: the only code allowed to dereference it.
// A process-wide depth, not a thread-local flag, because the CPU kernels fan out to OpenMP
// worker threads.
class KernelScope {
 public:
  KernelScope(Device d, const char* op);
  ~KernelScope();
  KernelScope(const KernelScope&) = delete;
  KernelScope& operator=(const KernelScope&) = delete;
};
// Core copies and fills of emulated memory: like the CUDA path's, which switch to the
// tensor's device for the call, they run whatever device is current.
class TransferScope {
 public:
  TransferScope();
  ~TransferScope();
  TransferScope(const TransferScope&) = delete;
  TransferScope& operator=(const TransferScope&) = delete;
};
bool in_kernel();
// The error for host code reading emulated memory directly (`what` describes the tensor).
[[noreturn]] void host_access_error(const std::string& what);

// True once this process has allocated emulated memory. From then on the host allocator
// poisons the blocks it frees too: a device-to-host copy freed while a pointer into it is
// still read (`t.to(cpu).data()` on a temporary) is host memory, and on a GPU its contents
// would be gone the same way.
bool in_use();
// Fills with the poison pattern.
void poison(void* p, size_t nbytes);

// Copies from emulated memory to the host since the start (or the last reset), summed over
// devices: each is a point where a GPU run would wait for the device.
int64_t host_syncs();
void reset_host_syncs();
void count_host_sync();

}  // namespace vcc::emu
