#include "core/cuda/caching_allocator.h"

#include <cuda_runtime_api.h>

#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_context.h"
#include "core/error.h"

namespace vcc::cuda {
namespace {

constexpr size_t kSmallLimit = size_t{1} << 20;
constexpr size_t kSmallRound = 512;
constexpr size_t kLargeRound = size_t{2} << 20;

struct Block {
  size_t size;
  int device;
};

struct DevicePool {
  std::multimap<size_t, void*> free_blocks;  // by size: best fit is lower_bound
  CudaMemoryStats stats;
};

}  // namespace

struct CachingAllocator::State {
  mutable std::mutex mutex;
  std::vector<DevicePool> pools;
  std::unordered_map<void*, Block> live;

  DevicePool& pool(int device) {
    if (static_cast<int>(pools.size()) <= device) pools.resize(device + 1);
    return pools[device];
  }

  // Frees the cached blocks of one device; called with the mutex held.
  void release_cached(int device) {
    DevicePool& p = pool(device);
    DeviceGuard guard(device);
    for (auto& [size, ptr] : p.free_blocks) {
      VCC_CUDA_CHECK(cudaFree(ptr));
      p.stats.cached_bytes -= static_cast<int64_t>(size);
      p.stats.reserved_bytes -= static_cast<int64_t>(size);
    }
    p.free_blocks.clear();
  }
};

CachingAllocator::CachingAllocator() : state_(new State) {}

// Device memory is returned to the driver at process exit; freeing it during static
// destruction would race the CUDA runtime's own teardown. The allocator is never destroyed
// in practice (caching_allocator() leaks it on purpose).
CachingAllocator::~CachingAllocator() { delete state_; }

size_t CachingAllocator::round_size(size_t nbytes) {
  if (nbytes <= kSmallLimit) return std::max(kSmallRound, (nbytes + kSmallRound - 1) / kSmallRound * kSmallRound);
  return (nbytes + kLargeRound - 1) / kLargeRound * kLargeRound;
}

void* CachingAllocator::allocate(size_t nbytes) {
  VCC_CHECK(device_count() > 0, "CUDA allocation of ", nbytes, " bytes but no CUDA device is present");
  const int device = current_device();
  const size_t size = round_size(nbytes);
  std::lock_guard<std::mutex> lock(state_->mutex);
  DevicePool& p = state_->pool(device);
  p.stats.allocations += 1;
  void* ptr = nullptr;
  size_t got = size;
  // Best fit among cached blocks, accepting at most 25% waste so that a small request
  // does not pin a huge block.
  auto it = p.free_blocks.lower_bound(size);
  if (it != p.free_blocks.end() && it->first <= size + size / 4) {
    got = it->first;
    ptr = it->second;
    p.free_blocks.erase(it);
    p.stats.cached_bytes -= static_cast<int64_t>(got);
    p.stats.cache_hits += 1;
  } else {
    cudaError_t status = cudaMalloc(&ptr, size);
    if (status == cudaErrorMemoryAllocation) {
      // Out of memory: give the cache back to the driver and try once more.
      cudaGetLastError();
      state_->release_cached(device);
      status = cudaMalloc(&ptr, size);
    }
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      size_t free_bytes = 0, total_bytes = 0;
      cudaMemGetInfo(&free_bytes, &total_bytes);
      VCC_FAIL("out of CUDA memory on device ", device, " allocating ", nbytes, " bytes: ", p.stats.live_bytes,
               " bytes in use by vcc, ", p.stats.cached_bytes, " cached, driver reports ", free_bytes, " free of ",
               total_bytes);
    }
    VCC_CUDA_CHECK(status);
    p.stats.device_mallocs += 1;
    p.stats.reserved_bytes += static_cast<int64_t>(size);
  }
  p.stats.live_bytes += static_cast<int64_t>(got);
  p.stats.peak_bytes = std::max(p.stats.peak_bytes, p.stats.live_bytes);
  state_->live.emplace(ptr, Block{got, device});
  return ptr;
}

void CachingAllocator::deallocate(void* ptr, size_t nbytes) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto it = state_->live.find(ptr);
  VCC_CHECK(it != state_->live.end(), "CUDA deallocate of ", ptr, " (", nbytes,
            " bytes), which this allocator did not hand out or already freed");
  const Block b = it->second;
  state_->live.erase(it);
  DevicePool& p = state_->pool(b.device);
  p.stats.live_bytes -= static_cast<int64_t>(b.size);
  p.stats.cached_bytes += static_cast<int64_t>(b.size);
  p.free_blocks.emplace(b.size, ptr);
}

MemoryStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  MemoryStats s;
  for (const DevicePool& p : state_->pools) {
    s.live_bytes += p.stats.live_bytes;
    s.peak_bytes += p.stats.peak_bytes;
    s.allocations += p.stats.allocations;
  }
  return s;
}

void CachingAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  for (DevicePool& p : state_->pools) p.stats.peak_bytes = p.stats.live_bytes;
}

CudaMemoryStats CachingAllocator::device_stats(int device) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return device < static_cast<int>(state_->pools.size()) ? state_->pools[device].stats : CudaMemoryStats{};
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  for (int d = 0; d < static_cast<int>(state_->pools.size()); ++d) state_->release_cached(d);
}

CachingAllocator& caching_allocator() {
  static CachingAllocator* a = new CachingAllocator;  // never destroyed: see ~CachingAllocator
  return *a;
}

CudaMemoryStats memory_stats(int device) { return caching_allocator().device_stats(device); }
void empty_cache() { caching_allocator().empty_cache(); }

}  // namespace vcc::cuda
