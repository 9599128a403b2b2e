#pragma once
// Where a training step's time goes, per op: a profile that splits the wall time of the
// graph's thread into buckets, each interval charged to exactly one bucket, so the rows add
// up to the step.
//
// - An op's forward is the time from the previous event to the moment its result is recorded
//   (make_result): its kernels plus any host work just before it (shape checks, views).
// - An op's backward is the time its backward closure runs, less what nested scopes inside it
//   took (a checkpoint's backward re-runs its region: those ops are charged to themselves).
// - Named scopes (gradient accumulation, the optimizer, ...) take their own time, and
//   `charge(name)` gives the time since the last event to a named bucket.
//
// Off unless a profile is started; then every event first synchronises the profiled device,
// so that a GPU's queued kernels are charged to the op that queued them (slower, but true).
#include <cstdint>
#include <string>
#include <vector>

#include "core/device.h"

namespace vcc::profile {

enum class Phase { Forward, Backward, Recompute, Other };  // Recompute: a checkpointed op re-run in backward

// "forward", "backward", "recompute", "other".
const char* phase_name(Phase phase);

struct Row {
  std::string name;
  Phase phase = Phase::Other;
  double ms = 0;
  int64_t calls = 0;
};

// The rows as a table, one line per name (forward, backward, recompute and other time side by
// side), per step (the totals divided by `steps`), largest first, with each line's share of the
// sum; at most `max_lines` lines, the rest summed into one.
std::string table(const std::vector<Row>& rows, int steps, int max_lines = 30);

// Starts a fresh profile of the calling thread's graph work on `device`.
void start(Device device = Device::cpu());
// Stops it; returns the buckets, largest first.
std::vector<Row> stop();
bool active();

// Charges the time since the last event to `name` (a string literal or other static text).
void charge(const char* name);
// Restarts the clock without charging anything (e.g. after untimed work between steps).
void restart_clock();

// Records an op's result: its forward time (autograd's make_result calls this).
void op_recorded(const char* op);

// Times a region as one bucket, exclusive of the scopes opened inside it.
class Scope {
 public:
  Scope(const char* name, Phase phase);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  bool on_;
};

}  // namespace vcc::profile
