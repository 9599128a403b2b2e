#pragma once
// Validation during training: the loss and answer metrics (SQuAD EM/F1, optionally ROUGE,
// through lib/eval) of a split, computed by all ranks on their shares and summed; and the
// best-so-far / early-stopping bookkeeping (Marian's "new best" / "stalled N times").
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "data/hdf5_dataset.h"
#include "dist/communicator.h"
#include "io/checkpoint_trainer_state.h"
#include "train/task.h"

namespace vcc::train {

// EM, F1 and ROUGE in percent (0-100), as the SQuAD script prints them.
struct ValidationMetrics {
  double loss = 0;
  int64_t examples = 0;  // examples scored
  bool has_answers = false;
  double em = 0, f1 = 0;
  bool has_rouge = false;
  double rouge1 = 0, rouge2 = 0, rougeL = 0, rougeLsum = 0;
  double seconds = 0;

  // (name, value) of what was computed: loss, then em, f1, then the ROUGE F-measures.
  std::vector<std::pair<std::string, double>> named() const;
  // A metric by name; an error naming the metric if it was not computed.
  double get(const std::string& name) const;
};

struct ValidationOptions {
  int64_t batch_size = 8;    // global; a multiple of the world size
  int64_t max_examples = 0;  // 0 = all
  bool predict = true;       // EM/F1 (and ROUGE) of decoded answers; false = loss only
  bool rouge = false;
};

// Every rank runs its share of each batch (in order, no shuffling); sums go through the
// communicator, so every rank returns the same numbers.
ValidationMetrics validate(ModelTask& task, const data::DatasetReader& split, dist::Communicator& comm,
                           const ValidationOptions& options);

// Answers for the first `max_examples` (0 = all) examples of a split, in order, on this
// process alone; `progress(done)` is called after each batch.
std::vector<TaskPrediction> predict_split(ModelTask& task, const data::DatasetReader& split, int64_t batch_size,
                                          int64_t max_examples, const std::function<void(int64_t)>& progress = {});

// Best value of one metric over validations, and validations since it last improved.
class BestTracker {
 public:
  BestTracker(std::string metric, bool higher_is_better, int64_t patience);

  // Records a validation; true when the value is a new best (the first one always is).
  bool update(double value, int64_t step);
  const std::string& metric() const { return metric_; }
  bool has_best() const { return best_step_ >= 0; }
  double best_value() const { return best_; }
  int64_t best_step() const { return best_step_; }
  int64_t stalled() const { return stalled_; }
  int64_t patience() const { return patience_; }
  // Early stopping: patience > 0 and that many validations without a new best.
  bool should_stop() const { return patience_ > 0 && stalled_ >= patience_; }

  // Keys best.metric, best.value, best.step, best.stalled of a checkpoint's trainer state.
  void save(io::TrainerState& state) const;
  // Restores them; a state saved for another metric starts the tracking afresh.
  void restore(const io::TrainerState& state);

 private:
  std::string metric_;
  bool higher_;
  int64_t patience_;
  double best_ = 0;
  int64_t best_step_ = -1;
  int64_t stalled_ = 0;
};

}  // namespace vcc::train
