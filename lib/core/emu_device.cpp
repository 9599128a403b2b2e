#include "core/emu_device.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>

#include "core/error.h"

namespace vcc::emu {
namespace {

thread_local int t_current = 0;
std::atomic<bool> g_in_use{false};
std::atomic<int> g_kernel_depth{0};
std::atomic<int64_t> g_host_syncs{0};

}  // namespace

// 0xFF bytes: NaN as float32, float64 and bfloat16; -1 as every integer type, which the
// index kernels reject. Reading never-written or freed memory therefore shows up.
constexpr int kPoison = 0xFF;
void poison(void* p, size_t nbytes) { std::memset(p, kPoison, nbytes); }

namespace {

// Freed blocks, poisoned, held back from the host heap so that a read after free still finds
// the poison instead of a new owner's data; the oldest go back once the total passes the cap.
class Quarantine {
 public:
  void add(void* p, size_t nbytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_.push_back({p, nbytes});
    bytes_ += nbytes;
    while (bytes_ > kCapBytes && !blocks_.empty()) {
      std::free(blocks_.front().first);
      bytes_ -= blocks_.front().second;
      blocks_.pop_front();
    }
  }

 private:
  static constexpr size_t kCapBytes = size_t{64} << 20;
  std::mutex mutex_;
  std::deque<std::pair<void*, size_t>> blocks_;
  size_t bytes_ = 0;
};

Quarantine& quarantine() {
  static Quarantine* q = new Quarantine;  // never destroyed: storage may be freed at exit
  return *q;
}

class EmuAllocator final : public Allocator {
 public:
  void set_index(int index) { index_ = index; }
  void* allocate(size_t nbytes) override {
    require_current(Device::emu(index_), "allocation");
    g_in_use.store(true, std::memory_order_relaxed);
    const size_t rounded = std::max<size_t>((nbytes + kAlignment - 1) / kAlignment * kAlignment, kAlignment);
    void* p = std::aligned_alloc(kAlignment, rounded);
    if (!p) VCC_FAIL("out of memory on emu:", index_, " allocating ", nbytes, " bytes (live ", live_.load(), " bytes)");
    poison(p, rounded);
    const int64_t live = live_.fetch_add(static_cast<int64_t>(nbytes)) + static_cast<int64_t>(nbytes);
    int64_t peak = peak_.load();
    while (live > peak && !peak_.compare_exchange_weak(peak, live)) {}
    count_.fetch_add(1);
    return p;
  }
  void deallocate(void* p, size_t nbytes) override {
    poison(p, std::max<size_t>(nbytes, 1));
    quarantine().add(p, nbytes);
    live_.fetch_sub(static_cast<int64_t>(nbytes));
  }
  MemoryStats stats() const override { return {live_.load(), peak_.load(), count_.load()}; }
  void reset_peak() override { peak_.store(live_.load()); }

 private:
  int index_ = 0;
  std::atomic<int64_t> live_{0}, peak_{0}, count_{0};
};

void check_index(int index, const char* what) {
  VCC_CHECK(index >= 0 && index < kDeviceCount, what, ": emu:", index, " does not exist (", kDeviceCount,
            " emulated devices)");
}

}  // namespace

int current_device() { return t_current; }

void set_device(int index) {
  check_index(index, "set_device");
  t_current = index;
}

void require_current(Device d, const char* op) {
  VCC_CHECK(d.is_emu(), op, ": expected an emulated-device tensor, got one on ", d.str());
  const int current = t_current;
  VCC_CHECK(d.index == current, op, ": tensor on ", d.str(), " but the current emu device is ", current,
            "; vcc allocates on the current device, so call vcc::set_current_device(", d.str(),
            ") before creating or using ", d.str(), " tensors");
}

Allocator& allocator(int index) {
  check_index(index, "allocator");
  static EmuAllocator* allocators = [] {
    auto* a = new EmuAllocator[kDeviceCount];  // never destroyed, like the quarantine
    for (int i = 0; i < kDeviceCount; ++i) a[i].set_index(i);
    return a;
  }();
  return allocators[index];
}

KernelScope::KernelScope(Device d, const char* op) {
  require_current(d, op);
  g_kernel_depth.fetch_add(1);
}
KernelScope::~KernelScope() { g_kernel_depth.fetch_sub(1); }
TransferScope::TransferScope() { g_kernel_depth.fetch_add(1); }
TransferScope::~TransferScope() { g_kernel_depth.fetch_sub(1); }

bool in_use() { return g_in_use.load(std::memory_order_relaxed); }

bool in_kernel() { return g_kernel_depth.load(std::memory_order_relaxed) > 0; }

void host_access_error(const std::string& what) {
  VCC_FAIL("host code dereferenced ", what,
           " directly; that memory is on the device, so copy it first (to(Device::cpu()), item() or to_vector())");
}

int64_t host_syncs() { return g_host_syncs.load(); }
void reset_host_syncs() { g_host_syncs.store(0); }
void count_host_sync() { g_host_syncs.fetch_add(1); }

}  // namespace vcc::emu
