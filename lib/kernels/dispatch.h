#pragma once
// Device dispatch for kernel front ends: the front end checks shapes and allocates, then
// calls cpu::NAME or cuda::NAME with the same arguments (CTranslate2-style twins).
#include "core/error.h"

#if defined(VCC_WITH_CUDA)
#define VCC_DISPATCH_DEVICE(DEV, NAME, ...) \
  do {                                      \
    if ((DEV).is_cpu())                     \
      cpu::NAME(__VA_ARGS__);               \
    else                                    \
      cuda::NAME(__VA_ARGS__);              \
  } while (0)
#else
#define VCC_DISPATCH_DEVICE(DEV, NAME, ...)                                                      \
  do {                                                                                           \
    if ((DEV).is_cpu())                                                                          \
      cpu::NAME(__VA_ARGS__);                                                                    \
    else                                                                                         \
      VCC_FAIL(#NAME ": tensor on ", (DEV).str(), " but this build has no CUDA backend");       \
  } while (0)
#endif

namespace vcc::kernels {
// Both operands on one device, or an error naming both.
template <class... Ts>
void check_same_device(const char* op, const Ts&... ts);
}  // namespace vcc::kernels

#include "core/tensor.h"

namespace vcc::kernels {
template <class... Ts>
void check_same_device(const char* op, const Ts&... ts) {
  const Tensor* first = nullptr;
  auto check = [&](const Tensor& t) {
    if (!t.defined()) return;
    if (!first) first = &t;
    VCC_CHECK(t.device() == first->device(), op, ": operands on ", first->device().str(), " and ", t.device().str());
  };
  (check(ts), ...);
}
}  // namespace vcc::kernels
