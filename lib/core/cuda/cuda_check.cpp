#include "core/cuda/cuda_check.h"

#include "core/error.h"

namespace vcc::cuda::detail {

void fail_cuda(cudaError_t status, const char* call, const char* file, int line) {
  // cudaGetLastError clears a non-sticky error so a caller that catches can continue;
  // sticky errors (a fault inside a kernel) keep failing every later call, as they must.
  cudaGetLastError();
  ::vcc::detail::throw_error(file, line,
              ::vcc::detail::concat("CUDA call ", call, " failed: ", cudaGetErrorName(status), " (", cudaGetErrorString(status), ")"));
}

const char* cublas_status_name(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "unknown cuBLAS status";
}

void fail_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
  ::vcc::detail::throw_error(file, line, ::vcc::detail::concat("cuBLAS call ", call, " failed: ", cublas_status_name(status), " (",
                                 cublasGetStatusString(status), ")"));
}

}  // namespace vcc::cuda::detail
