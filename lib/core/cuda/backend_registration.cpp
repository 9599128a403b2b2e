// Plugs the CUDA backend into core when the program starts: the caching allocator behind
// allocator_for(cuda:i) and the copy/fill hooks behind Tensor::copy_/fill_ for device
// memory. Registration makes no CUDA call, so programs on machines without a GPU start
// normally; the driver is first touched by the first device allocation or query.
#include "core/allocator.h"
#include "core/cuda/caching_allocator.h"
#include "core/cuda/device_copy.h"
#include "core/tensor.h"

// The CUDA build links with -Wl,--undefined=vcc_cuda_backend_anchor (lib/CMakeLists.txt) so
// that this object is taken from the static library even by programs that never name a
// CUDA function: without it, a program creating cuda tensors would find no allocator.
extern "C" {
extern const int vcc_cuda_backend_anchor;
const int vcc_cuda_backend_anchor = 1;
}

namespace vcc::cuda {
namespace {

struct Registration {
  Registration() {
    register_allocator(DeviceKind::CUDA, &caching_allocator());
    DeviceCopyHooks hooks;
    hooks.copy = &device_copy;
    hooks.fill = &device_fill;
    register_device_copy_hooks(hooks);
  }
};
const Registration registration;

}  // namespace
}  // namespace vcc::cuda
