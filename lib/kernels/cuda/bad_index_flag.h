#pragma once
// The word a CUDA kernel sets when it meets an out-of-range index (a kernel cannot throw).
// Each launch takes its own word from a per-device pool of mapped, pinned host memory: the
// kernel writes it across the bus (only on an error) and the host reads it without a copy.
// The launcher then queues a check (core/deferred_checks.h) that reads the word at the
// device's next host read and raises the CPU launcher's error for that launch. Reading the
// word right after the launch would make the host wait for every index kernel; with
// VCC_SYNC_INDEX_CHECKS=1 it does exactly that, to stop at the op.
#include <cstdint>
#include <functional>

#include "core/device.h"

namespace vcc::kernels::cuda {

class BadIndexFlag {
 public:
  // The next word of the device's pool, zeroed. A word is reused only after its check ran:
  // the pool has deferred_checks::kMaxPending words, and more pending checks force a run.
  explicit BadIndexFlag(Device device);
  int32_t* device_ptr() const { return device_word_; }
  // After the launch: queues `report`, which throws the error of this launch's indices (it
  // reads the index tensor it captured), to run if the kernel set the word.
  void check_after_launch(std::function<void()> report) const;

 private:
  Device device_;
  volatile int32_t* host_word_;
  int32_t* device_word_;
};

}  // namespace vcc::kernels::cuda
