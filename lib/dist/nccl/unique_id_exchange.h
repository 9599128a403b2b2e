#pragma once
// Hands rank 0's ncclUniqueId to every rank: by MPI broadcast when the program runs under
// MPI (MPI initialised), otherwise through a file that rank 0 writes atomically (a
// temporary name, then rename) and the others poll for until a deadline.
#include <nccl.h>

#include <string>

namespace vcc::dist {

struct RendezvousOptions {
  // Without MPI: the rendezvous file, on a filesystem every rank sees. It must be unique
  // to the job (e.g. contain the scheduler's job id): rank 0 refuses an existing file, so
  // a stale id from an earlier run is never used.
  std::string file;
  double timeout_seconds = 300.0;  // how long ranks > 0 wait for the file
};

// True when MPI is compiled in and initialised in this process.
bool mpi_active();

// Rank 0 creates the id; every rank returns the same one.
ncclUniqueId exchange_unique_id(int rank, int world_size, const RendezvousOptions& options);

}  // namespace vcc::dist
