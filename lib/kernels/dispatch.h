#pragma once
// Device dispatch for kernel front ends: the front end checks shapes and allocates, then
// calls cpu::NAME or cuda::NAME with the same arguments (CTranslate2-style twins). Tensors on
// the emulated device (core/emu_device.h) run cpu::NAME inside a KernelScope, after every
// tensor argument has been checked to be on that device: a front end that forgot
// check_same_device still refuses a host tensor there, as a GPU kernel would fault on one.
#include <type_traits>
#include <utility>
#include <vector>

#include "core/deferred_checks.h"
#include "core/emu_device.h"
#include "core/error.h"

#define VCC_DISPATCH_EMU(DEV, NAME, ...)                                      \
  [&](auto&&... vcc_args) {                                                   \
    ::vcc::kernels::check_emu_operands(#NAME, (DEV), vcc_args...);           \
    ::vcc::emu::KernelScope vcc_emu_scope((DEV), #NAME);                      \
    cpu::NAME(std::forward<decltype(vcc_args)>(vcc_args)...);                 \
  }(__VA_ARGS__)

// The twin for device memory that is neither the host's nor emulated: CUDA's, or an error in
// a build without it.
#if defined(VCC_WITH_CUDA)
#define VCC_DISPATCH_GPU(DEV, NAME, ...) cuda::NAME(__VA_ARGS__)
#else
#define VCC_DISPATCH_GPU(DEV, NAME, ...) \
  VCC_FAIL(#NAME ": tensor on ", (DEV).str(), " but this build has no CUDA backend")
#endif

#define VCC_DISPATCH_DEVICE(DEV, NAME, ...)     \
  do {                                          \
    if ((DEV).is_cpu())                         \
      cpu::NAME(__VA_ARGS__);                   \
    else if ((DEV).is_emu())                    \
      VCC_DISPATCH_EMU(DEV, NAME, __VA_ARGS__); \
    else                                        \
      VCC_DISPATCH_GPU(DEV, NAME, __VA_ARGS__); \
  } while (0)

// For kernels with indices: their CUDA twin flags a bad index on the device and queues the
// check for the device's next host read (core/deferred_checks.h), rather than waiting for the
// kernel after every launch. The emulated device defers the CPU kernel's error the same way.
#define VCC_DISPATCH_DEVICE_INDEXED(DEV, NAME, ...)                                        \
  do {                                                                                     \
    if ((DEV).is_emu()) {                                                                  \
      [&](auto&&... vcc_args) {                                                            \
        ::vcc::kernels::check_emu_operands(#NAME, (DEV), vcc_args...);                    \
        ::vcc::emu::KernelScope vcc_emu_scope((DEV), #NAME);                               \
        ::vcc::deferred_checks::run_emulated_index_kernel((DEV), [&] { cpu::NAME(vcc_args...); }); \
      }(__VA_ARGS__);                                                                      \
    } else {                                                                               \
      VCC_DISPATCH_DEVICE(DEV, NAME, __VA_ARGS__);                                         \
    }                                                                                      \
  } while (0)

namespace vcc::kernels {
// Both operands on one device, or an error naming both.
template <class... Ts>
void check_same_device(const char* op, const Ts&... ts);
// Every tensor among a kernel's arguments (also behind pointers and in vectors) is on `dev`.
template <class Dev, class... Args>
void check_emu_operands(const char* op, const Dev& dev, const Args&... args);
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

namespace detail {
inline void check_emu_tensor(const char* op, const Device& dev, const Tensor& t) {
  if (!t.defined()) return;
  VCC_CHECK(t.device() == dev, op, ": operands on ", dev.str(), " and ", t.device().str());
}
template <class T>
void check_emu_operand(const char* op, const Device& dev, const T& a) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, Tensor>) {
    check_emu_tensor(op, dev, a);
  } else if constexpr (std::is_pointer_v<U>) {
    if constexpr (std::is_same_v<std::remove_cv_t<std::remove_pointer_t<U>>, Tensor>)
      if (a) check_emu_tensor(op, dev, *a);
  } else if constexpr (std::is_same_v<U, std::vector<Tensor>>) {
    for (const Tensor& t : a) check_emu_tensor(op, dev, t);
  }
}
}  // namespace detail

template <class Dev, class... Args>
void check_emu_operands(const char* op, const Dev& dev, const Args&... args) {
  (detail::check_emu_operand(op, dev, args), ...);
}
}  // namespace vcc::kernels
