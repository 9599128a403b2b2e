#pragma once
// Deterministic sums across the threads of a warp or a block: a fixed shuffle/shared-memory
// tree, so a given launch shape always adds the same values in the same order.
#include <cstdint>

namespace vcc::kernels::cuda {

constexpr unsigned kFullMask = 0xffffffffu;

template <class T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(kFullMask, v, offset);
  return v;  // lane 0 holds the sum
}

// Sum over the Threads threads of a 1-D block (Threads a multiple of 32, at most 1024),
// returned to every thread. `scratch` holds Threads / 32 values; the block must not reuse
// it until every thread has the result (the trailing barrier ensures that).
template <int Threads, class T>
__device__ __forceinline__ T block_sum(T v, T* scratch) {
  static_assert(Threads % 32 == 0 && Threads <= 1024, "block_sum needs whole warps");
  v = warp_sum(v);
  if constexpr (Threads == 32) {
    return __shfl_sync(kFullMask, v, 0);
  } else {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    T total = T(0);
    for (int w = 0; w < Threads / 32; ++w) total += scratch[w];  // every thread, same order
    __syncthreads();
    return total;
  }
}

// Largest value over the block (NaN-free inputs: callers use it for softmax shifts).
template <int Threads, class T>
__device__ __forceinline__ T block_max(T v, T* scratch) {
  for (int offset = 16; offset > 0; offset /= 2) {
    const T o = __shfl_down_sync(kFullMask, v, offset);
    v = o > v ? o : v;
  }
  if constexpr (Threads == 32) {
    return __shfl_sync(kFullMask, v, 0);
  } else {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    T m = scratch[0];
    for (int w = 1; w < Threads / 32; ++w) m = scratch[w] > m ? scratch[w] : m;
    __syncthreads();
    return m;
  }
}

}  // namespace vcc::kernels::cuda
