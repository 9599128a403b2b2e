#pragma once
// NCCL communicator: one rank per GPU, collectives queued on the device's vcc stream (so
// they are ordered with the kernels that produce and consume the data). Every operation
// waits for completion with a deadline; a rank that is missing, hung or crashed makes the
// others fail with a message after `timeout_seconds` (the communicator is then aborted)
// instead of hanging the job.
#include <nccl.h>

#include <string>

#include "dist/nccl/collectives.h"
#include "dist/nccl/unique_id_exchange.h"

namespace vcc::dist {

struct NcclOptions {
  int device = 0;                  // the CUDA device of this rank (e.g. the node-local rank)
  double timeout_seconds = 600.0;  // per init and per collective; <= 0 waits forever
  RendezvousOptions rendezvous;    // used when MPI is not active
  bool log = true;                 // one line per rank: rank -> device, NCCL version
};

class NcclCommunicator final : public Collectives {
 public:
  // Collective over all ranks: every rank must construct one with the same world size.
  NcclCommunicator(int rank, int world_size, const NcclOptions& options);
  // With an id exchanged elsewhere (e.g. ranks as threads of one process, in tests).
  NcclCommunicator(int rank, int world_size, const ncclUniqueId& id, const NcclOptions& options);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }
  int device() const { return device_; }
  void all_reduce_sum_(const Tensor& x) override;
  void broadcast_(const Tensor& x, int root) override;
  void barrier() override;

  // "2.28.3" (the library loaded at run time).
  static std::string nccl_version();

 private:
  void init(const ncclUniqueId& id);
  // Waits for the communicator's pending work and the stream, up to the deadline.
  void wait(const char* what, size_t bytes);
  void check_tensor(const Tensor& x, const char* op) const;

  int rank_ = 0, world_size_ = 1, device_ = 0;
  double timeout_seconds_ = 600.0;
  bool log_ = true;
  ncclComm_t comm_ = nullptr;
  bool aborted_ = false;
};

}  // namespace vcc::dist
