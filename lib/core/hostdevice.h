#pragma once
// VCC_HOST_DEVICE marks functions compiled for both the CPU and CUDA (op math written once).
#if defined(__CUDACC__)
#define VCC_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define VCC_HOST_DEVICE inline
#endif
