#pragma once
// Launching element-wise CUDA kernels: 256-thread blocks, a grid sized to the device, and
// grid-stride loops (any n, one launch, coalesced when threads map to consecutive elements).
#include <algorithm>
#include <cstdint>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_context.h"

namespace vcc::cuda {

constexpr int kBlockThreads = 256;

// Enough blocks to fill the device a few times over; the grid-stride loop covers the rest.
inline unsigned grid_for(int64_t n, int device) {
  const int64_t needed = (n + kBlockThreads - 1) / kBlockThreads;
  const int64_t cap = static_cast<int64_t>(multiprocessor_count(device)) * 8;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(needed, cap)));
}

// for (i in [0, n)) fn(i), split over the grid.
template <class Fn>
__global__ void for_each_kernel(int64_t n, Fn fn) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) fn(i);
}

// Runs fn(i) for every i in [0, n) on the device's stream; fn is a functor with a
// __device__ operator()(int64_t).
template <class Fn>
void launch_for_each(int64_t n, int device, const Fn& fn) {
  if (n <= 0) return;
  for_each_kernel<<<grid_for(n, device), kBlockThreads, 0, stream(device)>>>(n, fn);
  VCC_CUDA_CHECK_LAUNCH();
}

}  // namespace vcc::cuda
