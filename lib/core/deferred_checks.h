#pragma once
// Errors that device work finds after its launch has returned. A GPU kernel cannot throw: it
// sets a flag, and reading the flag right after each launch would make the host wait for the
// device once per index op (the code review counted about a hundred such waits per VCC
// training step). So the launcher queues a check instead, and a device's checks run at the
// next point where the host waits for that device anyway: a copy of its memory to the host
// (to(cpu), item(), to_vector) or synchronize(). The error is thrown there, in the words the
// CPU gives at the launch, with a note saying where it came from. CUDA reports asynchronous
// errors the same way. VCC_SYNC_INDEX_CHECKS=1 checks at each launch instead (one host wait
// per index op), to stop where a bad index is used.
//
// The CPU throws at the launch and never queues anything. The emulated device (emu:N) defers
// like a GPU, so CI sees the same control flow.
#include <cstddef>
#include <functional>

#include "core/device.h"

namespace vcc::deferred_checks {

// A check throws vcc::Error when it fails and returns otherwise.
using Check = std::function<void()>;

// Checks a device queues before one is forced: the CUDA launchers' flag pool has this many
// words per device, and a check's word is reused only after the check has run.
constexpr size_t kMaxPending = 1024;

// VCC_SYNC_INDEX_CHECKS is set and not 0 (read at each launch: a getenv is cheap next to a
// kernel).
bool at_launch();

// Queues `check` to run at `device`'s next host read. At kMaxPending queued checks, the
// device is synchronised first (which runs them).
void add(Device device, Check check);

// Runs the device's queued checks in launch order and clears the queue. The first failure is
// rethrown (with a note that it was found late); the checks after it are dropped, since their
// inputs may come from the failed op.
void run(Device device);

// Checks queued on the device.
size_t pending(Device device);

// Runs `kernel` (a CPU kernel working on emulated memory) the way a GPU would report its
// index errors: a vcc::Error it throws is queued for the device's next host read, or with
// VCC_SYNC_INDEX_CHECKS=1 rethrown at once (and counted as a host sync, as the flag read
// would be on a GPU).
void run_emulated_index_kernel(Device device, const std::function<void()>& kernel);

}  // namespace vcc::deferred_checks
