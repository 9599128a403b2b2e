#include "dist/nccl/nccl_communicator.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_context.h"
#include "core/cuda/event.h"
#include "core/error.h"
#include "dist/nccl/nccl_check.h"

namespace vcc::dist {
namespace {

ncclDataType_t nccl_type(DType dt, const char* op) {
  switch (dt) {
    case DType::F32: return ncclFloat32;
    case DType::F64: return ncclFloat64;
    case DType::BF16: return ncclBfloat16;
    case DType::I32: return ncclInt32;
    case DType::I64: return ncclInt64;
    case DType::U8: return ncclUint8;
    default: VCC_FAIL(op, ": dtype ", dtype_name(dt), " has no NCCL equivalent");
  }
}

}  // namespace

NcclCommunicator::NcclCommunicator(int rank, int world_size, const NcclOptions& options)
    : NcclCommunicator(rank, world_size, exchange_unique_id(rank, world_size, options.rendezvous), options) {}

NcclCommunicator::NcclCommunicator(int rank, int world_size, const ncclUniqueId& id, const NcclOptions& options)
    : rank_(rank), world_size_(world_size), device_(options.device), timeout_seconds_(options.timeout_seconds),
      log_(options.log) {
  VCC_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "NCCL rank ", rank, " of ", world_size);
  init(id);
}

void NcclCommunicator::init(const ncclUniqueId& id) {
  cuda::set_device(device_);
  // Non-blocking: init and collectives return at once and are polled, so a deadline can
  // abort them (a blocking communicator would hang inside NCCL on a missing peer).
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  VCC_NCCL_CHECK(nullptr, ncclCommInitRankConfig(&comm_, world_size_, id, rank_, &config));
  wait("communicator initialisation", 0);
  if (log_) {
    cudaDeviceProp prop{};
    VCC_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    char bus[32] = {};
    VCC_CUDA_CHECK(cudaDeviceGetPCIBusId(bus, sizeof bus, device_));
    std::fprintf(stderr, "nccl: rank %d/%d -> cuda:%d (%s, %s), NCCL %s\n", rank_, world_size_, device_, prop.name,
                 bus, nccl_version().c_str());
  }
}

NcclCommunicator::~NcclCommunicator() {
  if (!comm_) return;
  // Destruction must not throw. After an abort the communicator is already gone.
  if (!aborted_) ncclCommDestroy(comm_);
}

std::string NcclCommunicator::nccl_version() {
  int v = 0;
  VCC_NCCL_CHECK(nullptr, ncclGetVersion(&v));
  // NCCL >= 2.9 encodes major * 10000 + minor * 100 + patch.
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

void NcclCommunicator::wait(const char* what, size_t bytes) {
  VCC_CHECK(!aborted_, "NCCL ", what, ": the communicator was aborted after an earlier timeout");
  using clock = std::chrono::steady_clock;
  const bool bounded = timeout_seconds_ > 0;
  const auto deadline = clock::now() + std::chrono::duration<double>(bounded ? timeout_seconds_ : 0.0);
  cuda::DeviceGuard guard(device_);
  // First the communicator's own progress (enqueueing itself can be in progress), then
  // the stream work it queued.
  cuda::Event done;
  bool recorded = false;
  while (true) {
    ncclResult_t state = ncclSuccess;
    VCC_NCCL_CHECK(comm_, ncclCommGetAsyncError(comm_, &state));
    VCC_NCCL_CHECK(comm_, state);
    if (state == ncclSuccess) {
      if (!recorded) {
        done.record(cuda::stream(device_));
        recorded = true;
      }
      if (done.done()) return;
    }
    if (bounded && clock::now() >= deadline) {
      ncclCommAbort(comm_);
      aborted_ = true;
      VCC_FAIL("NCCL ", what, (bytes ? " of " + std::to_string(bytes) + " bytes" : std::string()),
               " did not finish within ", timeout_seconds_, " s on rank ", rank_, " of ", world_size_, " (cuda:",
               device_, "): a peer rank is missing, hung or crashed. The communicator was aborted.");
    }
    std::this_thread::yield();
  }
}

void NcclCommunicator::check_tensor(const Tensor& x, const char* op) const {
  VCC_CHECK(x.defined() && x.is_contiguous(), op, ": a contiguous tensor is needed, got ",
            x.defined() ? x.describe() : "undefined");
  VCC_CHECK(x.device() == Device::cuda(device_), op, ": tensor ", x.describe(), " is not on this rank's device cuda:",
            device_);
}

void NcclCommunicator::all_reduce_sum_(const Tensor& x) {
  check_tensor(x, "all_reduce_sum_");
  VCC_CHECK(x.dtype() == DType::F32 || x.dtype() == DType::F64 || x.dtype() == DType::BF16,
            "all_reduce_sum_: float32, float64 or bfloat16 expected, got ", x.describe());
  cuda::DeviceGuard guard(device_);
  VCC_NCCL_CHECK(comm_, ncclAllReduce(x.raw_data(), x.raw_data(), static_cast<size_t>(x.numel()),
                                      nccl_type(x.dtype(), "all_reduce_sum_"), ncclSum, comm_, cuda::stream(device_)));
  wait("all-reduce", x.nbytes());
}

void NcclCommunicator::broadcast_(const Tensor& x, int root) {
  check_tensor(x, "broadcast_");
  VCC_CHECK(root >= 0 && root < world_size_, "broadcast_: root ", root, " of ", world_size_, " ranks");
  cuda::DeviceGuard guard(device_);
  VCC_NCCL_CHECK(comm_, ncclBroadcast(x.raw_data(), x.raw_data(), static_cast<size_t>(x.numel()),
                                      nccl_type(x.dtype(), "broadcast_"), root, comm_, cuda::stream(device_)));
  wait("broadcast", x.nbytes());
}

void NcclCommunicator::barrier() {
  cuda::DeviceGuard guard(device_);
  // A one-element all-reduce: it completes on a rank only once every rank has joined.
  const Tensor token = Tensor::zeros({1}, DType::F32, Device::cuda(device_));
  VCC_NCCL_CHECK(comm_, ncclAllReduce(token.raw_data(), token.raw_data(), 1, ncclFloat32, ncclSum, comm_,
                                      cuda::stream(device_)));
  wait("barrier", 0);
}

}  // namespace vcc::dist
