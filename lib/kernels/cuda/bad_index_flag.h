#pragma once
// A device word that CUDA kernels set when they meet an out-of-range index (a kernel cannot
// throw). The launcher reads it after the kernel and raises the error on the host, with the
// message the CPU launcher gives. Reading it waits for the kernel: index ops on the GPU
// synchronise once per call, the price of reporting bad indices where they happen.
#include <cstdint>

#include "core/tensor.h"

namespace vcc::kernels::cuda {

class BadIndexFlag {
 public:
  explicit BadIndexFlag(Device device) : flag_(Tensor::zeros({}, DType::I32, device)) {}
  int32_t* device_ptr() const { return flag_.data<int32_t>(); }
  bool raised() const { return flag_.item<int32_t>() != 0; }

 private:
  Tensor flag_;
};

}  // namespace vcc::kernels::cuda
