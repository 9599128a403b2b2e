#pragma once
// Checks for CUDA runtime and cuBLAS calls: a failure throws vcc::Error naming the call,
// its file:line and the library's error string (never aborts, so callers can recover).
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

namespace vcc::cuda::detail {
[[noreturn]] void fail_cuda(cudaError_t status, const char* call, const char* file, int line);
[[noreturn]] void fail_cublas(cublasStatus_t status, const char* call, const char* file, int line);
const char* cublas_status_name(cublasStatus_t status);
}  // namespace vcc::cuda::detail

// VCC_CUDA_CHECK(cudaMalloc(&p, n)): throws on any status other than cudaSuccess.
#define VCC_CUDA_CHECK(call)                                                               \
  do {                                                                                     \
    const cudaError_t vcc_cuda_status_ = (call);                                           \
    if (vcc_cuda_status_ != cudaSuccess) [[unlikely]]                                      \
      ::vcc::cuda::detail::fail_cuda(vcc_cuda_status_, #call, __FILE__, __LINE__);         \
  } while (0)

#define VCC_CUBLAS_CHECK(call)                                                             \
  do {                                                                                     \
    const cublasStatus_t vcc_cublas_status_ = (call);                                      \
    if (vcc_cublas_status_ != CUBLAS_STATUS_SUCCESS) [[unlikely]]                          \
      ::vcc::cuda::detail::fail_cublas(vcc_cublas_status_, #call, __FILE__, __LINE__);     \
  } while (0)

// After a kernel launch: reports launch-configuration errors at the launching line.
// Faults inside the kernel surface at the next checked call that synchronises.
#define VCC_CUDA_CHECK_LAUNCH() VCC_CUDA_CHECK(cudaGetLastError())
