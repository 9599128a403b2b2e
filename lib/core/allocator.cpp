#include "core/allocator.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <string>

#include "core/emu_device.h"
#include "core/error.h"

namespace vcc {
namespace {

// Host memory, 64-byte aligned. No caching: glibc already reuses freed blocks well, and
// large blocks go straight to mmap so freed activations really return to the system.
class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded == 0) rounded = kAlignment;
    void* p = std::aligned_alloc(kAlignment, rounded);
    if (!p) VCC_FAIL("out of host memory allocating ", nbytes, " bytes (live ", live_.load(), " bytes)");
    int64_t live = live_.fetch_add(static_cast<int64_t>(nbytes)) + static_cast<int64_t>(nbytes);
    int64_t peak = peak_.load();
    while (live > peak && !peak_.compare_exchange_weak(peak, live)) {}
    count_.fetch_add(1);
    return p;
  }
  void deallocate(void* p, size_t nbytes) override {
    if (emu::in_use()) emu::poison(p, nbytes);  // see emu::in_use
    std::free(p);
    live_.fetch_sub(static_cast<int64_t>(nbytes));
  }
  MemoryStats stats() const override { return {live_.load(), peak_.load(), count_.load()}; }
  void reset_peak() override { peak_.store(live_.load()); }

 private:
  std::atomic<int64_t> live_{0}, peak_{0}, count_{0};
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
void reset_cpu_peak_memory() { cpu_allocator().reset_peak(); }
int64_t process_rss_bytes() { return read_status_kb("VmRSS:"); }
int64_t process_peak_rss_bytes() { return read_status_kb("VmHWM:"); }

}  // namespace vcc
