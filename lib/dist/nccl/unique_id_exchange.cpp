#include "dist/nccl/unique_id_exchange.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#if defined(VCC_WITH_MPI)
// The C API is all this needs; MPI's deprecated C++ bindings only add warnings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

#include "core/error.h"
#include "dist/nccl/nccl_check.h"

namespace vcc::dist {
namespace {

void write_id_file(const std::string& path, const ncclUniqueId& id) {
  namespace fs = std::filesystem;
  VCC_USER_CHECK(!fs::exists(path), "NCCL rendezvous file ", path,
                 " already exists (left by an earlier run?): remove it or choose a path unique to this job");
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    VCC_USER_CHECK(out.good(), "cannot write NCCL rendezvous file ", tmp);
    out.write(id.internal, sizeof id.internal);
    out.flush();
    VCC_USER_CHECK(out.good(), "cannot write NCCL rendezvous file ", tmp);
  }
  // rename() is atomic: readers see either no file or the complete id.
  VCC_USER_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "cannot rename ", tmp, " to ", path);
}

ncclUniqueId read_id_file(const std::string& path, int rank, double timeout_seconds) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration<double>(timeout_seconds);
  ncclUniqueId id;
  while (true) {
    std::ifstream in(path, std::ios::binary);
    if (in.good()) {
      in.read(id.internal, sizeof id.internal);
      VCC_USER_CHECK(in.gcount() == static_cast<std::streamsize>(sizeof id.internal), "NCCL rendezvous file ", path,
                     " is truncated (", in.gcount(), " of ", sizeof id.internal, " bytes)");
      return id;
    }
    VCC_USER_CHECK(clock::now() < deadline, "rank ", rank, " waited ", timeout_seconds,
                   " s for the NCCL rendezvous file ", path, " from rank 0; is rank 0 running and is ", path,
                   " on a filesystem both can see?");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

bool mpi_active() {
#if defined(VCC_WITH_MPI)
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  return initialised && !finalised;
#else
  return false;
#endif
}

ncclUniqueId exchange_unique_id(int rank, int world_size, const RendezvousOptions& options) {
  VCC_CHECK(rank >= 0 && rank < world_size, "rank ", rank, " of ", world_size);
  ncclUniqueId id;
  if (rank == 0) VCC_NCCL_CHECK(nullptr, ncclGetUniqueId(&id));
#if defined(VCC_WITH_MPI)
  if (mpi_active()) {
    int mpi_size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    VCC_USER_CHECK(mpi_size == world_size, "NCCL world size ", world_size, " but MPI_COMM_WORLD has ", mpi_size,
                   " ranks");
    const int rc = MPI_Bcast(id.internal, sizeof id.internal, MPI_BYTE, 0, MPI_COMM_WORLD);
    VCC_CHECK(rc == MPI_SUCCESS, "MPI_Bcast of the NCCL unique id failed with code ", rc);
    return id;
  }
#endif
  VCC_USER_CHECK(!options.file.empty() || world_size == 1,
                 "NCCL with ", world_size, " ranks and no MPI needs a rendezvous file (RendezvousOptions::file)");
  if (world_size == 1) return id;
  if (rank == 0)
    write_id_file(options.file, id);
  else
    id = read_id_file(options.file, rank, options.timeout_seconds);
  return id;
}

}  // namespace vcc::dist
