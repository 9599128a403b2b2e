#include "core/device.h"

namespace vcc {

#if !defined(VCC_WITH_CUDA)
// CPU-only build: the CUDA backend (lib/*/cuda) provides these otherwise.
bool cuda_available() { return false; }
int cuda_device_count() { return 0; }
#endif

}  // namespace vcc
