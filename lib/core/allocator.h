#pragma once
// Allocators per device, with live/peak byte counters (the benchmarks' "peak memory").
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/device.h"

namespace vcc {

constexpr size_t kAlignment = 64;  // cache line; also what AVX-512 loads like

struct MemoryStats {
  int64_t live_bytes = 0;
  int64_t peak_bytes = 0;
  int64_t allocations = 0;
  int64_t cached_bytes = 0;  // host: freed large blocks kept for reuse (core/allocator.cpp)
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* p, size_t nbytes) = 0;
  virtual MemoryStats stats() const = 0;
  virtual void reset_peak() = 0;
};

// The allocator for a device. CUDA allocators are registered by the CUDA backend.
Allocator& allocator_for(Device device);
void register_allocator(DeviceKind kind, Allocator* allocator);

// Shorthands for the host allocator's counters.
MemoryStats cpu_memory_stats();
void reset_cpu_peak_memory();
// Gives the host allocator's kept blocks back to the system; returns their bytes.
int64_t release_cpu_cache();
// The system memory (MemAvailable) below which the host allocator keeps no freed blocks;
// default max(1 GiB, RAM / 16). For tests and tools.
void set_cpu_cache_reserve(int64_t bytes);

// Resident set size of this process now and its high-water mark (from /proc), in bytes.
int64_t process_rss_bytes();
int64_t process_peak_rss_bytes();

}  // namespace vcc
