#include "core/cuda/blas_handle.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_context.h"

namespace vcc::cuda {
namespace {

std::atomic<bool> g_allow_tf32{false};

}  // namespace

cublasHandle_t blas_handle(int device) {
  static std::mutex mutex;
  static auto* handles = new std::vector<cublasHandle_t>();
  std::lock_guard<std::mutex> lock(mutex);
  if (static_cast<int>(handles->size()) <= device) handles->resize(device + 1, nullptr);
  cublasHandle_t& h = (*handles)[device];
  if (!h) {
    DeviceGuard guard(device);
    VCC_CUBLAS_CHECK(cublasCreate(&h));
    VCC_CUBLAS_CHECK(cublasSetStream(h, stream(device)));
    // alpha and beta are host scalars.
    VCC_CUBLAS_CHECK(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST));
  }
  return h;
}

void set_allow_tf32(bool allow) { g_allow_tf32.store(allow); }
bool allow_tf32() { return g_allow_tf32.load(); }

}  // namespace vcc::cuda
