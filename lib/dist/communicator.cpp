#include "dist/communicator.h"

#include <cstdlib>
#include <initializer_list>

#include "core/error.h"
#include "dist/single_process.h"

namespace vcc::dist {

std::vector<double> all_reduce_sum(Communicator& comm, const std::vector<double>& values) {
  if (comm.world_size() == 1 || values.empty()) return values;
  Tensor t = Tensor::from_vector<double>(values, {static_cast<int64_t>(values.size())});
  comm.all_reduce_sum(t);
  return t.to_vector<double>();
}

namespace {

// The first of the variables that holds an integer >= min, else `fallback`.
int first_env_int(std::initializer_list<const char*> names, int min, int fallback) {
  for (const char* name : names) {
    if (const char* v = std::getenv(name)) {
      char* end = nullptr;
      const long n = std::strtol(v, &end, 10);
      if (end != v && *end == '\0' && n >= min) return static_cast<int>(n);
    }
  }
  return fallback;
}

}  // namespace

// OpenMPI, MPICH/Hydra (PMI), PMIx-based launchers (srun, prterun).
int launcher_world_size() { return first_env_int({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}, 1, 1); }

int launcher_rank() { return first_env_int({"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"}, 0, 0); }

bool has_mpi_backend() {
#if defined(VCC_WITH_MPI)
  return true;
#else
  return false;
#endif
}

bool has_nccl_backend() {
#if defined(VCC_WITH_NCCL)
  return true;
#else
  return false;
#endif
}

std::unique_ptr<Communicator> make_communicator(const CommunicatorOptions& options) {
  const std::string& b = options.backend;
  const int launched = launcher_world_size();
  if (b == "auto") {
    if (launched > 1) {
      VCC_USER_CHECK(has_mpi_backend(), "started by an MPI launcher with ", launched,
                     " processes, but this build has no MPI backend (install OpenMPI: tools/setup.sh, then "
                     "reconfigure with cmake)");
      return make_communicator({"mpi", options.rendezvous_file});
    }
    return std::make_unique<SingleProcessCommunicator>();
  }
  if (b == "single") {
    VCC_USER_CHECK(launched == 1, "dist.backend is 'single' but the launcher started ", launched,
                   " processes: every process would train alone and write the same run folder (use dist.backend=auto "
                   "or mpi)");
    return std::make_unique<SingleProcessCommunicator>();
  }
  if (b == "mpi") {
#if defined(VCC_WITH_MPI)
    return make_mpi_communicator();
#else
    VCC_USER_CHECK(false, "dist.backend is 'mpi' but this build has no MPI backend (install OpenMPI: tools/setup.sh, "
                          "then reconfigure with cmake)");
#endif
  }
  if (b == "nccl") {
#if defined(VCC_WITH_NCCL)
    return make_nccl_communicator(options);
#else
    VCC_USER_CHECK(false, "dist.backend is 'nccl' but this build has no NCCL backend (it needs CUDA and NCCL at "
                          "configure time)");
#endif
  }
  VCC_USER_CHECK(false, "unknown dist.backend '", b, "' (expected auto, single, mpi or nccl)");
  return nullptr;
}

}  // namespace vcc::dist
