#pragma once
// The cuBLAS handle of each device (bound to the device's stream) and the library-wide
// TF32 switch for float32 GEMMs.
#include <cublas_v2.h>

namespace vcc::cuda {

// Created on first use; never destroyed (cuBLAS teardown during static destruction can
// run after the CUDA runtime's).
cublasHandle_t blas_handle(int device);

// float32 GEMMs run in full float32 by default, so GPU results match the CPU's to ~1e-6;
// TF32 tensor cores (10-bit mantissa inputs, much faster) are opt-in. Not thread-local:
// set it once at start-up (the trainer's `precision` setting).
void set_allow_tf32(bool allow);
bool allow_tf32();

}  // namespace vcc::cuda
