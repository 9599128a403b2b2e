#include "core/cuda/event.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_context.h"

namespace vcc::cuda {

Event::Event(bool timing) : device_(current_device()) {
  VCC_CUDA_CHECK(cudaEventCreateWithFlags(&event_, timing ? cudaEventDefault : cudaEventDisableTiming));
}

Event::~Event() {
  // Destruction must not throw; an error here would already have surfaced at record/sync.
  if (event_) cudaEventDestroy(event_);
}

void Event::record(cudaStream_t stream) {
  DeviceGuard guard(device_);
  VCC_CUDA_CHECK(cudaEventRecord(event_, stream));
}

void Event::synchronize() const { VCC_CUDA_CHECK(cudaEventSynchronize(event_)); }

bool Event::done() const {
  const cudaError_t status = cudaEventQuery(event_);
  if (status == cudaErrorNotReady) return false;  // "not done yet", not an error
  VCC_CUDA_CHECK(status);
  return true;
}

void Event::wait_on(cudaStream_t stream) const { VCC_CUDA_CHECK(cudaStreamWaitEvent(stream, event_, 0)); }

float Event::elapsed_ms(const Event& start, const Event& end) {
  float ms = 0.0f;
  VCC_CUDA_CHECK(cudaEventElapsedTime(&ms, start.event_, end.event_));
  return ms;
}

}  // namespace vcc::cuda
