#pragma once
// Caching allocator for CUDA device memory: freed blocks are kept per device and size and
// handed out again without cudaMalloc/cudaFree (both synchronise the device). Reuse is
// safe without events because the library queues all work of a device on its one stream
// (device_context.h): a block freed on the host is next written by work queued after
// everything that read it.
#include <cstdint>

#include "core/allocator.h"

namespace vcc::cuda {

struct CudaMemoryStats {
  int64_t live_bytes = 0;      // in blocks handed out (sizes after rounding)
  int64_t peak_bytes = 0;      // high-water mark of live_bytes since the last reset
  int64_t cached_bytes = 0;    // in free blocks kept for reuse
  int64_t reserved_bytes = 0;  // live + cached: what the allocator holds from the driver
  int64_t allocations = 0;     // allocate() calls
  int64_t cache_hits = 0;      // of those, served from the cache
  int64_t device_mallocs = 0;  // cudaMalloc calls
};

class CachingAllocator final : public Allocator {
 public:
  CachingAllocator();
  ~CachingAllocator() override;
  // On the current device (see require_current in device_context.h).
  void* allocate(size_t nbytes) override;
  void deallocate(void* p, size_t nbytes) override;
  // Summed over devices.
  MemoryStats stats() const override;
  void reset_peak() override;

  CudaMemoryStats device_stats(int device) const;
  // Returns every cached block to the driver (e.g. before handing memory to another library).
  void empty_cache();
  // Size a request is rounded up to: a multiple of 512 bytes up to 1 MiB, of 2 MiB above.
  static size_t round_size(size_t nbytes);

 private:
  struct State;
  State* state_;
};

// The process's CUDA allocator (the one registered with core's allocator_for()).
CachingAllocator& caching_allocator();
CudaMemoryStats memory_stats(int device);
void empty_cache();

}  // namespace vcc::cuda
