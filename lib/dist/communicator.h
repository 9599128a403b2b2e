#pragma once
// Communicator: the collectives data-parallel training needs (sum all-reduce, broadcast,
// barrier) among the processes of one job, behind one interface. Backends: one process
// (dist/single_process.h), MPI for CPU processes under mpirun (dist/mpi/), NCCL for GPUs
// (dist/nccl/). This header includes neither CUDA nor MPI.
//
// Contract every backend keeps (the trainer's reproducibility rests on it):
//   * every rank calls the same collectives in the same order with tensors of the same
//     shape and dtype;
//   * all_reduce_sum gives every rank the same bits, run after run. The single-process and
//     MPI backends add the ranks' values in rank order 0, 1, ..., w-1, so a w-process run
//     equals, bit for bit, a one-process run that accumulates the same w micro-batches;
//     NCCL sums in its own (fixed for a given topology and version) order;
//   * a tensor may live on any device the backend supports; it is modified in place.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace vcc::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  bool is_root() const { return rank() == 0; }
  // "single", "mpi", "nccl".
  virtual std::string backend() const = 0;

  // x <- sum over ranks of x, in place (x contiguous; float32, float64, int32 or int64).
  virtual void all_reduce_sum(Tensor& x) = 0;
  // x <- the root's x, in place (x contiguous, any dtype).
  virtual void broadcast(Tensor& x, int root) = 0;
  // Returns once every rank has called it.
  virtual void barrier() = 0;
  // Ends every process of the job with `code` after an error on this one (a rank that
  // simply exited would leave the others waiting in a collective).
  [[noreturn]] virtual void abort(int code) = 0;
};

// Convenience over all_reduce_sum: the element-wise sum of `values` over ranks (float64).
std::vector<double> all_reduce_sum(Communicator& comm, const std::vector<double>& values);

struct CommunicatorOptions {
  // "auto": mpi when the process was started by an MPI launcher with more than one process
  // (and MPI is compiled in), else single. Or "single", "mpi", "nccl".
  std::string backend = "auto";
  // NCCL without MPI: the rendezvous file every rank can see (see dist/nccl/).
  std::string rendezvous_file;
};

// The communicator the options ask for; a backend that is not compiled in, or "single"
// under a multi-process launch, is an error that says what to do.
std::unique_ptr<Communicator> make_communicator(const CommunicatorOptions& options);

// Backends are built only where their library is found; each defines its factory:
//   lib/dist/mpi/             (VCC_WITH_MPI)   make_mpi_communicator()
//   lib/dist/nccl_backend.cpp (VCC_WITH_NCCL)  make_nccl_communicator(options): an adapter over
//                                              dist/nccl/NcclCommunicator (GPU = local rank)
std::unique_ptr<Communicator> make_mpi_communicator();
std::unique_ptr<Communicator> make_nccl_communicator(const CommunicatorOptions& options);

// Process count announced by an MPI launcher in the environment (OpenMPI, MPICH/PMI,
// PMIx); 1 when the process was not started by one.
int launcher_world_size();
// This process's rank as announced by the launcher; 0 when not started by one.
int launcher_rank();
// Whether this build has the backend.
bool has_mpi_backend();
bool has_nccl_backend();

}  // namespace vcc::dist
