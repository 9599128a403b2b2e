#include "core/device.h"

#include "core/deferred_checks.h"
#include "core/emu_device.h"
#include "core/error.h"

#if defined(VCC_WITH_CUDA)
namespace vcc::cuda {
void set_device(int device);  // core/cuda/device_context.h (not included: no CUDA headers here)
void synchronize(int device);
}
#endif

namespace vcc {

#if !defined(VCC_WITH_CUDA)
// CPU-only build: the CUDA backend (lib/*/cuda) provides these otherwise.
bool cuda_available() { return false; }
int cuda_device_count() { return 0; }
#endif

std::string Device::str() const {
  switch (kind) {
    case DeviceKind::CPU: return "cpu";
    case DeviceKind::CUDA: return "cuda:" + std::to_string(index);
    case DeviceKind::EMU: return "emu:" + std::to_string(index);
  }
  return "?";
}

int device_count(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::CPU: return 1;
    case DeviceKind::CUDA: return cuda_available() ? cuda_device_count() : 0;
    case DeviceKind::EMU: return emu::kDeviceCount;
  }
  return 0;
}

void synchronize(Device device) {
  if (device.is_cpu()) return;
#if defined(VCC_WITH_CUDA)
  if (device.is_cuda()) cuda::synchronize(device.index);
#endif
  // The emulated device finishes each kernel before returning; both report what their
  // queued checks found now that the host has waited.
  deferred_checks::run(device);
}

void set_current_device(Device device) {
  switch (device.kind) {
    case DeviceKind::CPU: return;
    case DeviceKind::EMU: emu::set_device(device.index); return;
    case DeviceKind::CUDA:
#if defined(VCC_WITH_CUDA)
      cuda::set_device(device.index);
      return;
#else
      VCC_FAIL("set_current_device(", device.str(), "): this build has no CUDA backend");
#endif
  }
}

Device parse_device(const std::string& text, const std::string& what, bool* index_given) {
  if (index_given) *index_given = false;
  if (text == "cpu") return Device::cpu();
  const size_t colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const bool digits = colon != std::string::npos && colon + 1 < text.size() && colon + 4 > text.size() &&
                      text.find_first_not_of("0123456789", colon + 1) == std::string::npos;
  VCC_USER_CHECK((kind == "cuda" || kind == "emu") && (colon == std::string::npos || digits), what,
                 ": expected cpu, cuda, cuda:N, emu or emu:N (the emulated accelerator), got '", text, "'");
  const int index = colon == std::string::npos ? 0 : std::stoi(text.substr(colon + 1));
  if (index_given) *index_given = colon != std::string::npos;
  if (kind == "cuda") {
    VCC_USER_CHECK(cuda_available(), what, " is ", text,
                   " but this build or machine has no CUDA device (use cpu, or emu to check a config)");
    VCC_USER_CHECK(index < cuda_device_count(), what, " is ", text, " but only ", cuda_device_count(),
                   " CUDA devices are visible");
    return Device::cuda(index);
  }
  VCC_USER_CHECK(index < emu::kDeviceCount, what, " is ", text, " but there are ", emu::kDeviceCount,
                 " emulated devices (emu:0 to emu:", emu::kDeviceCount - 1, ")");
  return Device::emu(index);
}

}  // namespace vcc
