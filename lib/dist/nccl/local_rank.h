#pragma once
// The node-local rank a launcher gives this process (which GPU it should use), read from
// the variables of mpirun (OpenMPI, MPICH/MVAPICH), Slurm and torchrun-style launchers.
#include <optional>

namespace vcc::dist {

// OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID, MV2_COMM_WORLD_LOCAL_RANK, SLURM_LOCALID,
// LOCAL_RANK, in that order; nothing when none is set. A set but malformed value is an error.
std::optional<int> local_rank_from_environment();

}  // namespace vcc::dist
