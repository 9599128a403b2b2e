#include "core/allocator.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/emu_device.h"
#include "core/error.h"

namespace vcc {
namespace {

// AddressSanitizer must see every free to catch a use after it, so its builds keep nothing.
#if defined(__SANITIZE_ADDRESS__)
#define VCC_HOST_CACHE_DEFAULT_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VCC_HOST_CACHE_DEFAULT_OFF 1
#endif
#endif

// Host memory, 64-byte aligned. Small blocks come from glibc, which reuses them well. Large
// blocks (128 KiB and up, what glibc would map) are kept when freed and handed out again for a
// request of the same size (rounded to whole pages): glibc maps such blocks afresh, and a training
// step allocates the same activation sizes step after step, so without reuse each step
// faulted in gigabytes of new pages. At 4K tokens that was a fifth of a VCC step (casts,
// adds and GELU ran at page-fault speed; docs/benchmarks.md). What the allocator holds, live
// plus kept, stays within the highest live total seen so far (at least 256 MiB): a block is
// kept only if that bound allows, and a request the cache cannot serve first gives back kept
// blocks until the new one fits under it. So the process holds no more than without the
// cache (an earlier cap on the kept bytes alone let it hold twice its peak, which ran a
// 128K-token T5 step that fits in 24 GiB out of memory). VCC_HOST_CACHE_MIB=N caps the kept
// bytes at N MiB instead, 0 turns the cache off.
class CpuAllocator final : public Allocator {
 public:
  CpuAllocator() {
#ifdef VCC_HOST_CACHE_DEFAULT_OFF
    fixed_cap_ = 0;
#endif
    const char* v = std::getenv("VCC_HOST_CACHE_MIB");
    if (v && *v) fixed_cap_ = static_cast<int64_t>(std::strtoull(v, nullptr, 10)) << 20;
  }
  ~CpuAllocator() override { release_cache(); }

  void* allocate(size_t nbytes) override {
    const size_t rounded = round_up(nbytes);
    void* p = rounded >= kCachedBlock ? take_cached(rounded) : nullptr;
    if (!p && rounded >= kCachedBlock) make_room(rounded);
    if (!p) p = std::aligned_alloc(kAlignment, rounded);
    if (!p && release_cache() > 0) p = std::aligned_alloc(kAlignment, rounded);
    if (!p) VCC_FAIL("out of host memory allocating ", nbytes, " bytes (live ", live_.load(), " bytes)");
    int64_t live = live_.fetch_add(static_cast<int64_t>(nbytes)) + static_cast<int64_t>(nbytes);
    int64_t peak = peak_.load();
    while (live > peak && !peak_.compare_exchange_weak(peak, live)) {}
    int64_t highest = highest_live_.load();
    while (live > highest && !highest_live_.compare_exchange_weak(highest, live)) {}
    count_.fetch_add(1);
    return p;
  }
  void deallocate(void* p, size_t nbytes) override {
    if (emu::in_use()) emu::poison(p, nbytes);  // see emu::in_use
    const size_t rounded = round_up(nbytes);
    if (rounded < kCachedBlock || !keep_cached(p, rounded)) std::free(p);
    live_.fetch_sub(static_cast<int64_t>(nbytes));
  }
  MemoryStats stats() const override {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    return {live_.load(), peak_.load(), count_.load(), cached_bytes_};
  }
  void reset_peak() override { peak_.store(live_.load()); }

  // Frees every kept block; returns the bytes given back.
  int64_t release_cache() {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const int64_t released = cached_bytes_;
    for (auto& [size, blocks] : cache_)
      for (void* p : blocks) std::free(p);
    cache_.clear();
    cached_bytes_ = 0;
    return released;
  }

 private:
  static constexpr size_t kCachedBlock = size_t{128} << 10;
  static constexpr int64_t kMinimumCap = int64_t{256} << 20;

  // Large sizes round to whole pages, so that near sizes share a cache entry.
  static size_t round_up(size_t nbytes) {
    const size_t unit = nbytes >= kCachedBlock ? 4096 : kAlignment;
    return std::max((nbytes + unit - 1) / unit * unit, unit);
  }
  void* take_cached(size_t rounded) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(rounded);
    if (it == cache_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached_bytes_ -= static_cast<int64_t>(rounded);
    return p;
  }
  // The adaptive bound on live + kept bytes.
  int64_t held_bound() const { return std::max(kMinimumCap, highest_live_.load()); }
  // Before a fresh allocation (adaptive cap): gives back kept blocks, largest first, until live +
  // kept + the new block fit under the bound, or nothing is kept.
  void make_room(size_t rounded) {
    if (fixed_cap_ >= 0) return;
    const int64_t bound = held_bound();
    std::lock_guard<std::mutex> lock(cache_mutex_);
    while (cached_bytes_ > 0 && live_.load() + cached_bytes_ + static_cast<int64_t>(rounded) > bound) {
      auto largest = cache_.end();
      for (auto it = cache_.begin(); it != cache_.end(); ++it)
        if (!it->second.empty() && (largest == cache_.end() || it->first > largest->first)) largest = it;
      std::free(largest->second.back());
      largest->second.pop_back();
      cached_bytes_ -= static_cast<int64_t>(largest->first);
      if (largest->second.empty()) cache_.erase(largest);
    }
  }
  // On free (live_ still counts the block): keep it if the cap allows.
  bool keep_cached(void* p, size_t rounded) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const bool fits = fixed_cap_ >= 0 ? cached_bytes_ + static_cast<int64_t>(rounded) <= fixed_cap_
                                      : live_.load() + cached_bytes_ <= held_bound();
    if (!fits) return false;
    cache_[rounded].push_back(p);
    cached_bytes_ += static_cast<int64_t>(rounded);
    return true;
  }

  std::atomic<int64_t> live_{0}, peak_{0}, count_{0}, highest_live_{0};
  int64_t fixed_cap_ = -1;  // -1: the adaptive cap
  mutable std::mutex cache_mutex_;
  std::unordered_map<size_t, std::vector<void*>> cache_;  // kept blocks by rounded size
  int64_t cached_bytes_ = 0;
};

CpuAllocator& cpu_allocator() {
  static CpuAllocator a;
  return a;
}
Allocator* g_cuda_allocator = nullptr;

int64_t read_status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  size_t n = std::strlen(key);
  while (std::getline(f, line))
    if (line.compare(0, n, key) == 0) return std::stoll(line.substr(n)) * 1024;
  return 0;
}

}  // namespace

Allocator& allocator_for(Device device) {
  if (device.is_cpu()) return cpu_allocator();
  if (device.is_emu()) return emu::allocator(device.index);
  VCC_CHECK(g_cuda_allocator != nullptr, "no CUDA allocator: this build has no CUDA backend");
  return *g_cuda_allocator;
}

void register_allocator(DeviceKind kind, Allocator* allocator) {
  VCC_CHECK(kind == DeviceKind::CUDA, "only the CUDA allocator can be registered");
  g_cuda_allocator = allocator;
}

MemoryStats cpu_memory_stats() { return cpu_allocator().stats(); }
int64_t release_cpu_cache() { return cpu_allocator().release_cache(); }
void reset_cpu_peak_memory() { cpu_allocator().reset_peak(); }
int64_t process_rss_bytes() { return read_status_kb("VmRSS:"); }
int64_t process_peak_rss_bytes() { return read_status_kb("VmHWM:"); }

}  // namespace vcc
