#pragma once
// The collective operations data-parallel training needs from a GPU communicator: in-place
// sum all-reduce, broadcast and a barrier over equally-sized tensors on every rank. (The
// project's general communicator interface, lib/dist/communicator.h, is written separately;
// NCCL implements this small one until the two are joined.)
#include "core/tensor.h"

namespace vcc::dist {

class Collectives {
 public:
  virtual ~Collectives() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // x <- sum over ranks of x, in place (contiguous; float32, float64 or bfloat16).
  virtual void all_reduce_sum_(const Tensor& x) = 0;
  // x <- root's x, in place (contiguous, any dtype).
  virtual void broadcast_(const Tensor& x, int root) = 0;
  // Returns once every rank has reached it.
  virtual void barrier() = 0;
};

}  // namespace vcc::dist
