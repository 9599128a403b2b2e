#pragma once
// The node-local rank a launcher gives this process (which GPU it should use), read from
// the variables of mpirun (OpenMPI, MPICH/MVAPICH), Slurm and torchrun-style launchers.
#include <optional>
#include <string>

#include "core/device.h"

namespace vcc::dist {

// OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID, MV2_COMM_WORLD_LOCAL_RANK, SLURM_LOCALID,
// LOCAL_RANK, in that order; nothing when none is set. A set but malformed value is an error.
std::optional<int> local_rank_from_environment();

// The device a process trains or evaluates on, from the user's text (`what` names the
// option): "cuda" or "emu" without an index means the local rank's device under a launcher,
// as the NCCL backend assumes, and device 0 otherwise. Checks that the device exists.
Device device_for_this_process(const std::string& text, const std::string& what);

}  // namespace vcc::dist
