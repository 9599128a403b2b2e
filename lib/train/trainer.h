#pragma once
// Trainer: the training loop of vcc-train, read top to bottom in trainer.cpp.
//
// One optimizer step = one global batch (train.batch_size examples) split over the
// processes (data parallelism) and, within each process, over train.accum_steps
// micro-batches. Each micro-batch's loss is back-propagated as is; the gradients are summed
// over micro-batches and processes (in a fixed order) and divided by their number, so the
// step uses the mean of the micro-batch losses. Dropout and VCC exploration draw from a
// stream that is a function of (train.seed, step, global micro-batch index) only: a run is
// bit-identical whatever the thread count, after any resume, and a w-process run equals a
// one-process run with w times the accumulation.
//
// Then: clipping, AdamW with the schedule, one log line every log.every_steps, validation
// (loss, EM/F1, ROUGE) with best-so-far and early stopping, checkpoints (model, optimizer,
// trainer state: step, data position, RNG, best metric) written atomically with rotation,
// and a clean stop on SIGINT/SIGTERM or a NaN/Inf loss. Rank 0 logs and saves.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "dist/communicator.h"
#include "io/config.h"
#include "nn/module.h"
#include "optim/optimizer.h"

namespace vcc::train {

struct TrainResult {
  int64_t start_step = 0;    // step the run started (or resumed) at
  int64_t steps = 0;         // step reached
  int64_t total_steps = 0;
  bool finished = false;     // reached total_steps
  bool early_stopped = false;
  int stop_signal = 0;       // SIGINT/SIGTERM that ended the run early, else 0
  std::string last_checkpoint;
  std::string best_metric;
  double best_value = 0;
  int64_t best_step = -1;
  double last_loss = 0;      // mean loss of the last logged window
};

class Trainer {
 public:
  // Reads and checks the options, the splits and the model; creates the run folder (rank
  // 0) and, with train.resume, restores the newest or the given checkpoint. `out` gets the
  // log lines (rank 0).
  Trainer(const io::Config& config, dist::Communicator& comm, std::ostream& out);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  TrainResult run();

  // Called after every optimizer step with the step reached (before validation and
  // checkpoints), on every rank; for tools and tests.
  void set_step_callback(std::function<void(int64_t step)> callback);

  // For tests and tools.
  nn::Module& model();
  optim::Optimizer& optimizer();
  int64_t step() const;
  int64_t total_steps() const;
  const std::string& run_dir() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vcc::train
