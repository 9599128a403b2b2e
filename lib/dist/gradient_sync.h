#pragma once
// GradientSync: averages the parameters' gradients over the ranks of a data-parallel job.
// Gradients are packed into buckets (parameters in a fixed order, one dtype and device per
// bucket, about bucket_bytes each), each bucket is summed over ranks by the communicator
// (in rank order, see dist/communicator.h), divided, and unpacked. Also the start-of-run
// broadcast that gives every rank rank 0's parameters.
#include <cstdint>
#include <vector>

#include "autograd/variable.h"
#include "dist/communicator.h"

namespace vcc::dist {

class GradientSync {
 public:
  GradientSync(Communicator& comm, std::vector<Var> params, int64_t bucket_bytes = int64_t{25} << 20);

  // grad <- (sum over ranks of grad) / divisor for every parameter. A parameter whose
  // gradient is missing on some ranks counts as zero there; one that no rank has a gradient
  // for keeps none (the optimizer then skips it, on every rank alike). With one process only
  // the division happens (none when divisor is 1).
  void average(double divisor);

  // Every rank's parameters <- rank 0's (bucketed the same way).
  void broadcast_parameters();

  int64_t buckets_last_call() const { return buckets_last_; }

 private:
  // Runs `fn(bucket)` over buckets of the tensors (grouped by dtype and device, in order).
  template <class Fn>
  void for_each_bucket(const std::vector<Tensor>& tensors, Fn&& fn);

  Communicator* comm_;
  std::vector<Var> params_;
  int64_t bucket_bytes_;
  int64_t buckets_last_ = 0;
};

}  // namespace vcc::dist
