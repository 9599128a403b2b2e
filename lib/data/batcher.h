#pragma once
// Batcher: deterministic, resumable batches of a preprocessed dataset for training and
// evaluation, sharded for data parallelism.
//
// Epoch e visits the examples in the order random_permutation(N, seed, e) (or 0..N-1
// without shuffling): the same on every machine and thread count. Global batch b of the
// epoch is positions [b*B, (b+1)*B) of that order; rank r of w takes its contiguous slice
// [r*B/w, (r+1)*B/w), so the ranks' slices partition the global batch. With drop_last the
// epoch has floor(N/B) batches; without, a final partial batch is split as evenly as the
// rows allow (a rank may get fewer rows, even none).
// The position (epoch, batch index within the epoch) is all the state: saving it and
// restoring it into a new Batcher gives exactly the batch that would have come next.
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/hdf5_dataset.h"

namespace vcc::data {

struct BatcherOptions {
  int64_t batch_size = 8;  // global batch (all ranks together); must be a multiple of world_size
  int rank = 0;
  int world_size = 1;
  uint64_t seed = 0;
  bool shuffle = true;
  bool drop_last = true;
};

struct BatchPosition {
  int64_t epoch = 0;
  int64_t index = 0;  // batches of this epoch already handed out
  bool operator==(const BatchPosition& o) const { return epoch == o.epoch && index == o.index; }
  std::string to_json() const;  // {"epoch": e, "index": i}
  static BatchPosition from_json(const std::string& text);
};

// One rank's share of a global batch, as int64 host tensors.
struct Batch {
  Tensor input_ids;        // [b, L]
  Tensor attention_mask;   // [b, L]
  Tensor importance_mask;  // [b, L]
  Tensor query_length;     // [b]
  Tensor labels;           // [b, T] (undefined without labels)
  Tensor answer_start, answer_end, answer_type;  // [b] (undefined unless qa_extractive)
  std::vector<int64_t> example_indices;          // rows of the dataset
  BatchPosition position;                        // where this batch came from
  int64_t size() const { return static_cast<int64_t>(example_indices.size()); }
};

class Batcher {
 public:
  Batcher(const DatasetReader& dataset, const BatcherOptions& options);

  const BatcherOptions& options() const { return options_; }
  int64_t batches_per_epoch() const;
  // The batch at position(); then advances (to the next epoch after the last batch).
  Batch next();
  BatchPosition position() const { return position_; }
  void set_position(const BatchPosition& p);
  // Dataset rows of global batch `index` in `epoch` (all ranks), and of this rank's slice.
  std::vector<int64_t> global_batch_indices(int64_t epoch, int64_t index) const;
  std::vector<int64_t> rank_batch_indices(int64_t epoch, int64_t index) const;

 private:
  const std::vector<int64_t>& order(int64_t epoch) const;

  const DatasetReader* dataset_;
  BatcherOptions options_;
  BatchPosition position_;
  mutable int64_t order_epoch_ = -1;
  mutable std::vector<int64_t> order_;
};

}  // namespace vcc::data
