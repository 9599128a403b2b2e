#include "core/deferred_checks.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/emu_device.h"
#include "core/error.h"

namespace vcc::deferred_checks {
namespace {

// Queues per device kind and index; CUDA indices beyond this many devices share the last
// queue (a check only needs to run no later than its own device's next read).
constexpr int kQueues = 16;

struct Queues {
  std::mutex mutex;
  std::array<std::vector<Check>, kQueues> cuda, emu;
  std::vector<Check>& of(Device d) {
    auto& kind = d.is_emu() ? emu : cuda;
    return kind[static_cast<size_t>(d.index < kQueues ? d.index : kQueues - 1)];
  }
};

Queues& queues() {
  static Queues q;
  return q;
}

std::string late_note(Device device) {
  return " (found by an op queued earlier on " + device.str() +
         " and reported at the next read from it; set VCC_SYNC_INDEX_CHECKS=1 to stop at the op itself)";
}

}  // namespace

bool at_launch() {
  const char* v = std::getenv("VCC_SYNC_INDEX_CHECKS");
  return v != nullptr && std::strcmp(v, "") != 0 && std::strcmp(v, "0") != 0;
}

void add(Device device, Check check) {
  VCC_CHECK(!device.is_cpu(), "deferred check queued on the CPU, which checks at the launch");
  if (pending(device) >= kMaxPending) synchronize(device);  // runs them
  std::lock_guard<std::mutex> lock(queues().mutex);
  queues().of(device).push_back(std::move(check));
}

size_t pending(Device device) {
  if (device.is_cpu()) return 0;
  std::lock_guard<std::mutex> lock(queues().mutex);
  return queues().of(device).size();
}

void run(Device device) {
  if (device.is_cpu()) return;
  std::vector<Check> checks;
  {
    std::lock_guard<std::mutex> lock(queues().mutex);
    checks.swap(queues().of(device));
  }
  for (const Check& check : checks) {
    try {
      check();
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + late_note(device));
    }
  }
}

void run_emulated_index_kernel(Device device, const std::function<void()>& kernel) {
  if (at_launch()) {
    emu::count_host_sync();
    kernel();
    return;
  }
  try {
    kernel();
  } catch (const Error& e) {
    add(device, [message = std::string(e.what())] { throw Error(message); });
  }
}

}  // namespace vcc::deferred_checks
