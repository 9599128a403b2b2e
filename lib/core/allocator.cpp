#include "core/allocator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
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

// A "Key:   N kB" line of a /proc file in bytes, or -1 where there is none (not Linux).
int64_t read_proc_bytes(const char* path, const char* key) {
  std::ifstream f(path);
  std::string line;
  const size_t n = std::strlen(key);
  while (std::getline(f, line))
    if (line.compare(0, n, key) == 0) return std::stoll(line.substr(n)) * 1024;
  return -1;
}

int64_t default_reserve() {
  const int64_t total = read_proc_bytes("/proc/meminfo", "MemTotal:");
  return std::max(int64_t{1} << 30, total / 16);
}

// Host memory, 64-byte aligned. Small blocks come from glibc, which reuses them well. Large
// blocks (128 KiB and up, what glibc would map) are kept when freed and handed out again for a
// request of the same size (rounded to whole pages): glibc maps such blocks afresh, and a training
// step allocates the same activation sizes step after step, so without reuse each step
// faulted in gigabytes of new pages. At 4K tokens that was a fifth of a VCC step (casts,
// adds and GELU ran at page-fault speed; docs/benchmarks.md). What the allocator holds, live
// plus kept, stays within 5/4 of the highest live total seen so far (at least 256 MiB): a block
// is kept only if that bound allows, and a request the cache cannot serve first gives back kept
// blocks, largest first, until the new one fits under it. The slack is needed because blocks
// are reused only for their own size: a step uses more distinct blocks over its course than
// are live at its peak, and with no slack (session 8) every step gave back and faulted in
// again its largest activations (4K VCC step: +15% time, GELU 10x slower). Kept blocks also
// go back whenever the system runs short (MemAvailable under max(1 GiB, RAM / 16)), so the
// cache never pushes a process that fits into the out-of-memory killer (an earlier cap on the
// kept bytes alone let it hold twice its peak, which killed a 128K-token T5 step that fits in
// 24 GiB). VCC_HOST_CACHE_MIB=N caps the kept bytes at N MiB instead, 0 turns the cache off.
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

  void set_reserve(int64_t bytes) { reserve_.store(bytes); }

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
  int64_t held_bound() const {
    const int64_t highest = highest_live_.load();
    return std::max(kMinimumCap, highest + highest / 4);
  }
  // Whether the system has less memory left than the reserve (MemAvailable, read at most
  // every 100 ms: frees of large blocks come by the hundred per step).
  bool system_short() {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch()).count();
    if (now - available_read_at_.load() >= 100) {
      available_.store(read_proc_bytes("/proc/meminfo", "MemAvailable:"));
      available_read_at_.store(now);
    }
    const int64_t available = available_.load();
    return available >= 0 && available < reserve_.load();
  }
  // Before a fresh allocation (adaptive cap): gives back kept blocks, largest first, until live +
  // kept + the new block fit under the bound, or nothing is kept; all of them if the system is short.
  void make_room(size_t rounded) {
    if (fixed_cap_ >= 0) return;
    const int64_t bound = system_short() ? 0 : held_bound();
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
    if (fixed_cap_ < 0 && system_short()) return false;  // (may read /proc: outside the lock)
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
  // Memory left to the system: max(1 GiB, RAM / 16); MemAvailable as last read (-1: unknown).
  std::atomic<int64_t> reserve_{default_reserve()}, available_{-1}, available_read_at_{-1000};
  mutable std::mutex cache_mutex_;
  std::unordered_map<size_t, std::vector<void*>> cache_;  // kept blocks by rounded size
  int64_t cached_bytes_ = 0;
};

CpuAllocator& cpu_allocator() {
  static CpuAllocator a;
  return a;
}
Allocator* g_cuda_allocator = nullptr;

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
void set_cpu_cache_reserve(int64_t bytes) { cpu_allocator().set_reserve(bytes); }
void reset_cpu_peak_memory() { cpu_allocator().reset_peak(); }
int64_t process_rss_bytes() { return std::max<int64_t>(0, read_proc_bytes("/proc/self/status", "VmRSS:")); }
int64_t process_peak_rss_bytes() { return std::max<int64_t>(0, read_proc_bytes("/proc/self/status", "VmHWM:")); }

}  // namespace vcc
