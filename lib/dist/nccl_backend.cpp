// dist.backend=nccl: the Communicator interface over dist/nccl/NcclCommunicator, for GPU
// processes started by a launcher (mpirun, srun, torchrun-style). Compiled to nothing unless
// the build has NCCL (VCC_WITH_NCCL).
#if defined(VCC_WITH_NCCL)

#include <cstdlib>
#include <memory>

#include "core/error.h"
#include "dist/communicator.h"
#include "dist/local_rank.h"
#include "dist/nccl/nccl_communicator.h"

namespace vcc::dist {
namespace {

class NcclBackend : public Communicator {
 public:
  explicit NcclBackend(const CommunicatorOptions& options) {
    const int world = launcher_world_size();
    // Under mpirun, MPI carries the NCCL id (dist/nccl/unique_id_exchange.h) and the abort.
#if defined(VCC_WITH_MPI)
    if (world > 1) mpi_ = make_mpi_communicator();
#endif
    NcclOptions o;
    o.device = local_rank_from_environment().value_or(0);
    o.rendezvous.file = options.rendezvous_file;
    nccl_ = std::make_unique<NcclCommunicator>(mpi_ ? mpi_->rank() : launcher_rank(), world, o);
  }

  int rank() const override { return nccl_->rank(); }
  int world_size() const override { return nccl_->world_size(); }
  std::string backend() const override { return "nccl"; }

  // Host tensors (the trainer's small statistics) are staged through the rank's device.
  void all_reduce_sum(Tensor& x) override {
    if (x.device().is_cuda()) return nccl_->all_reduce_sum_(x);
    Tensor d = x.to(Device::cuda(nccl_->device()));
    nccl_->all_reduce_sum_(d);
    x.copy_(d);
  }
  void broadcast(Tensor& x, int root) override {
    if (x.device().is_cuda()) return nccl_->broadcast_(x, root);
    Tensor d = x.to(Device::cuda(nccl_->device()));
    nccl_->broadcast_(d, root);
    x.copy_(d);
  }
  void barrier() override { nccl_->barrier(); }
  [[noreturn]] void abort(int code) override {
    if (mpi_) mpi_->abort(code);
    std::exit(code);
  }

 private:
  std::unique_ptr<Communicator> mpi_;  // declared first: outlives nccl_
  std::unique_ptr<NcclCommunicator> nccl_;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(const CommunicatorOptions& options) {
  return std::make_unique<NcclBackend>(options);
}

}  // namespace vcc::dist

#endif  // VCC_WITH_NCCL
