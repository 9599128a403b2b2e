#pragma once
// A CUDA event (RAII): marks a point in a stream to wait for, or to time work between two.
#include <cuda_runtime_api.h>

namespace vcc::cuda {

class Event {
 public:
  // Timing events cost more to record; plain ones only order and synchronise.
  explicit Event(bool timing = false);
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void record(cudaStream_t stream);
  // Blocks the host until the recorded work is done.
  void synchronize() const;
  // True when the recorded work is done (never blocks).
  bool done() const;
  // Makes `stream` wait (on the device) for the recorded work.
  void wait_on(cudaStream_t stream) const;
  // Milliseconds between two recorded timing events (both must be done).
  static float elapsed_ms(const Event& start, const Event& end);

 private:
  cudaEvent_t event_ = nullptr;
  int device_ = 0;
};

}  // namespace vcc::cuda
