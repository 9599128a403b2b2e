// Copy and fill kernels behind core's device hooks, plus the host-side routing of each
// copy (which side converts, which side makes operands contiguous).
#include "core/cuda/device_copy.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_context.h"
#include "core/cuda/launch.cuh"
#include "core/cuda/pinned_staging.h"
#include "core/cuda/scalar_types.cuh"
#include "core/cuda/strided_offsets.cuh"

namespace vcc::cuda {
namespace {

template <class Dst, class Src>
struct ConvertCopy {
  StridedOffsets<2> at;
  Dst* dst;
  const Src* src;
  __device__ void operator()(int64_t i) const {
    int64_t off[2];
    at.get(i, off);
    dst[off[0]] = convert<Dst>(src[off[1]]);
  }
};

template <class T>
struct Fill {
  StridedOffsets<1> at;
  T* dst;
  T value;
  __device__ void operator()(int64_t i) const {
    int64_t off[1];
    at.get(i, off);
    dst[off[0]] = value;
  }
};

// dst = src element-wise, both on dst's device (src may have stride-0 broadcast dims).
void copy_on_device(const Tensor& dst, const Tensor& src) {
  const int device = dst.device().index;
  DeviceGuard guard(device);
  const Strides* st[2] = {&dst.strides(), &src.strides()};
  StridedOffsets<2> at(dst.shape(), st);
  dispatch_all_bf16(dst.dtype(), "copy", [&](auto dtag) {
    using D = typename decltype(dtag)::type;
    dispatch_all_bf16(src.dtype(), "copy", [&](auto stag) {
      using S = typename decltype(stag)::type;
      launch_for_each(dst.numel(), device,
                      ConvertCopy<D, S>{at, static_cast<D*>(dst.raw_data()), static_cast<const S*>(src.raw_data())});
    });
  });
}

// A new contiguous tensor on `device` with src's values in `dtype` (src on that device).
Tensor contiguous_on_device(const Tensor& src, DType dtype) {
  if (src.dtype() == dtype && src.is_contiguous()) return src;
  DeviceGuard guard(src.device().index);
  Tensor out = Tensor::empty(src.shape(), dtype, src.device());
  copy_on_device(out, src);
  return out;
}

void host_to_device(const Tensor& dst, const Tensor& src) {
  // Bytes travel in src's dtype; the device converts and scatters into dst's layout.
  const Tensor host = src.contiguous();
  const int device = dst.device().index;
  DeviceGuard guard(device);
  if (dst.is_contiguous() && dst.dtype() == host.dtype()) {
    copy_host_to_device(dst.raw_data(), host.raw_data(), host.nbytes(), device);
    return;
  }
  Tensor staged = Tensor::empty(host.shape(), host.dtype(), dst.device());
  copy_host_to_device(staged.raw_data(), host.raw_data(), host.nbytes(), device);
  copy_on_device(dst, staged);
}

void device_to_host(const Tensor& dst, const Tensor& src) {
  const int device = src.device().index;
  const Tensor packed = contiguous_on_device(src, dst.dtype());
  if (dst.is_contiguous()) {
    copy_device_to_host(dst.raw_data(), packed.raw_data(), packed.nbytes(), device);
    return;
  }
  Tensor host = Tensor::empty(packed.shape(), packed.dtype(), Device::cpu());
  copy_device_to_host(host.raw_data(), packed.raw_data(), packed.nbytes(), device);
  Tensor view = dst;  // a Tensor is a view: copying it shares dst's storage
  view.copy_(host);   // host-side strided copy
}

void device_to_other_device(const Tensor& dst, const Tensor& src) {
  const Tensor packed = contiguous_on_device(src, src.dtype());
  const int from = src.device().index, to = dst.device().index;
  // The peer copy runs on the destination's stream; the source's stream must be done with
  // producing `packed` first.
  synchronize(from);
  DeviceGuard guard(to);
  Tensor staged = Tensor::empty(packed.shape(), packed.dtype(), dst.device());
  VCC_CUDA_CHECK(cudaMemcpyPeerAsync(staged.raw_data(), to, packed.raw_data(), from, packed.nbytes(), stream(to)));
  // `packed` may be freed (and its block reused on `from`) when this returns.
  synchronize(to);
  copy_on_device(dst, staged);
}

}  // namespace

void device_copy(const Tensor& dst, const Tensor& src) {
  VCC_CHECK(dst.shape() == src.shape(), "copy: ", src.describe(), " into ", dst.describe());
  if (dst.numel() == 0) return;
  const Device d = dst.device(), s = src.device();
  if (d.is_cuda() && s.is_cuda())
    d.index == s.index ? copy_on_device(dst, src) : device_to_other_device(dst, src);
  else if (d.is_cuda())
    host_to_device(dst, src);
  else
    device_to_host(dst, src);
}

void device_fill(const Tensor& dst, double value) {
  if (dst.numel() == 0) return;
  const int device = dst.device().index;
  DeviceGuard guard(device);
  const Strides* st[1] = {&dst.strides()};
  StridedOffsets<1> at(dst.shape(), st);
  dispatch_all_bf16(dst.dtype(), "fill", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v;
    if constexpr (std::is_same_v<T, BF16>)
      v = to_bf16(static_cast<float>(value));
    else
      v = static_cast<T>(value);
    launch_for_each(dst.numel(), device, Fill<T>{at, static_cast<T*>(dst.raw_data()), v});
  });
}

}  // namespace vcc::cuda
