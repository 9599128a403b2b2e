// The MPI communicator (CPU processes under mpirun). Compiled only when CMake finds MPI.
//
// all_reduce_sum does not call MPI_Allreduce: MPI leaves the order of the additions to the
// implementation (it may depend on the algorithm, message size and process placement), and
// the trainer promises reproducible sums in rank order. Instead each rank owns one slice of
// the tensor: MPI_Alltoallv hands every rank all the ranks' pieces of its slice, the rank
// adds them in rank order 0..w-1, and MPI_Allgatherv hands every rank every summed slice.
// That moves 2 (w-1)/w of the tensor per rank, like a ring all-reduce.
#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"
#include "dist/communicator.h"
#include "dist/local_rank.h"

namespace vcc::dist {
namespace {

void check_mpi(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  VCC_FAIL("MPI call ", call, " failed: ", std::string(text, len));
}

template <class T>
void add_in_order(const char* pieces, int64_t count, int world, T* out) {
  const T* p = reinterpret_cast<const T*>(pieces);
  for (int64_t i = 0; i < count; ++i) out[i] = p[i];
  for (int r = 1; r < world; ++r) {
    const T* q = p + r * count;
    for (int64_t i = 0; i < count; ++i) out[i] += q[i];
  }
}

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
      int provided = 0;
      check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      owns_mpi_ = true;
    }
    check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    check_mpi(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(comm_, &world_), "MPI_Comm_size");
  }
  ~MpiCommunicator() override {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (finalised) return;
    MPI_Comm_free(&comm_);
    if (owns_mpi_) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int world_size() const override { return world_; }
  std::string backend() const override { return "mpi"; }

  void all_reduce_sum(Tensor& x) override {
    VCC_CHECK(x.defined() && x.is_contiguous(), "all_reduce_sum needs a contiguous tensor, got ",
              x.defined() ? x.describe() : "undefined");
    if (world_ == 1 || x.numel() == 0) return;
    const DType dt = x.dtype();
    VCC_CHECK(dt == DType::F32 || dt == DType::F64 || dt == DType::I32 || dt == DType::I64,
              "all_reduce_sum supports float32, float64, int32 and int64, got ", x.describe());
    check_rank_device(x, "all_reduce_sum");
    // Off-host tensors are staged through host memory.
    Tensor host = x.device().is_cpu() ? x : x.to(Device::cpu());
    const int64_t esize = static_cast<int64_t>(host.element_size());
    // Keep every MPI count (bytes) within int range: reduce in pieces of at most 256 MiB.
    const int64_t max_piece = std::max<int64_t>(world_, (int64_t{256} << 20) / esize);
    char* base = static_cast<char*>(host.raw_data());
    for (int64_t start = 0; start < host.numel(); start += max_piece) {
      const int64_t n = std::min(max_piece, host.numel() - start);
      reduce_piece(base + start * esize, n, dt, esize);
    }
    if (!x.device().is_cpu()) x.copy_(host);
  }

  void broadcast(Tensor& x, int root) override {
    VCC_CHECK(x.defined() && x.is_contiguous(), "broadcast needs a contiguous tensor");
    VCC_CHECK(root >= 0 && root < world_, "broadcast from rank ", root, " of ", world_);
    if (world_ == 1 || x.numel() == 0) return;
    check_rank_device(x, "broadcast");
    Tensor host = x.device().is_cpu() ? x : x.to(Device::cpu());
    char* p = static_cast<char*>(host.raw_data());
    const int64_t bytes = static_cast<int64_t>(host.nbytes());
    const int64_t piece = int64_t{1} << 30;
    for (int64_t start = 0; start < bytes; start += piece) {
      const int n = static_cast<int>(std::min(piece, bytes - start));
      check_mpi(MPI_Bcast(p + start, n, MPI_BYTE, root, comm_), "MPI_Bcast");
    }
    if (!x.device().is_cpu()) x.copy_(host);
  }

  void barrier() override { check_mpi(MPI_Barrier(comm_), "MPI_Barrier"); }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
  }

 private:
  // Device tensors must be on the local rank's device, the rule the NCCL backend enforces
  // (dist/nccl/nccl_communicator.cpp), so that a run on emulated devices under mpirun checks
  // the device choice a GPU run will make.
  void check_rank_device(const Tensor& x, const char* op) const {
    if (x.device().is_cpu()) return;
    const std::optional<int> local = local_rank_from_environment();
    VCC_CHECK(!local || x.device().index == *local, op, ": tensor ", x.describe(), " is not on this rank's device ",
              x.device().is_emu() ? "emu:" : "cuda:", *local, " (the local rank's device)");
  }

  // Sums `n` elements at `data` over ranks, in place.
  void reduce_piece(char* data, int64_t n, DType dt, int64_t esize) {
    // Rank r owns elements [offset[r], offset[r] + count[r]).
    std::vector<int> count(world_), offset(world_), send_bytes(world_), send_disp(world_), recv_bytes(world_),
        recv_disp(world_);
    for (int r = 0; r < world_; ++r) {
      const int64_t b = n * r / world_, e = n * (r + 1) / world_;
      offset[r] = static_cast<int>(b);
      count[r] = static_cast<int>(e - b);
    }
    const int mine = count[rank_];
    for (int r = 0; r < world_; ++r) {
      send_bytes[r] = static_cast<int>(count[r] * esize);
      send_disp[r] = static_cast<int>(offset[r] * esize);
      recv_bytes[r] = static_cast<int>(mine * esize);
      recv_disp[r] = static_cast<int>(r * mine * esize);
    }
    pieces_.resize(static_cast<size_t>(world_) * mine * esize);
    check_mpi(MPI_Alltoallv(data, send_bytes.data(), send_disp.data(), MPI_BYTE, pieces_.data(), recv_bytes.data(),
                            recv_disp.data(), MPI_BYTE, comm_),
              "MPI_Alltoallv");
    char* own = data + static_cast<int64_t>(offset[rank_]) * esize;
    switch (dt) {
      case DType::F32: add_in_order<float>(pieces_.data(), mine, world_, reinterpret_cast<float*>(own)); break;
      case DType::F64: add_in_order<double>(pieces_.data(), mine, world_, reinterpret_cast<double*>(own)); break;
      case DType::I32: add_in_order<int32_t>(pieces_.data(), mine, world_, reinterpret_cast<int32_t*>(own)); break;
      case DType::I64: add_in_order<int64_t>(pieces_.data(), mine, world_, reinterpret_cast<int64_t*>(own)); break;
      default: VCC_FAIL("unreachable dtype");
    }
    for (int r = 0; r < world_; ++r) {
      recv_bytes[r] = static_cast<int>(count[r] * esize);
      recv_disp[r] = static_cast<int>(offset[r] * esize);
    }
    check_mpi(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, recv_bytes.data(), recv_disp.data(), MPI_BYTE,
                             comm_),
              "MPI_Allgatherv");
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, world_ = 1;
  bool owns_mpi_ = false;
  std::vector<char> pieces_;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() { return std::make_unique<MpiCommunicator>(); }

}  // namespace vcc::dist
