// NCCL: the unique-id rendezvous (runs without a GPU), and two ranks as two threads of
// this process on two GPUs, whose all-reduce, broadcast and barrier must equal the CPU
// computation on the same data.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>
#include <vector>

#include "dist/local_rank.h"
#include "dist/nccl/nccl_communicator.h"
#include "dist/nccl/unique_id_exchange.h"
#include "gpu_test_util.h"

using namespace vcc;
using namespace vcc::gpu_testing;
using vcc::testing::randn;

namespace {

std::string fresh_path(const char* name) {
  const std::filesystem::path p = std::filesystem::temp_directory_path() /
                                  (std::string("vcc-nccl-") + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + ".tmp");
  return p.string();
}

// Runs fn(rank) on `world` threads and rethrows the first failure.
void run_ranks(int world, const std::function<void(int)>& fn) {
  std::vector<std::exception_ptr> errors(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      try {
        fn(r);
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

TEST(NcclRendezvous, EveryRankGetsRankZerosIdThroughTheFile) {
  if (dist::mpi_active()) GTEST_SKIP() << "under MPI the id travels by MPI_Bcast";
  dist::RendezvousOptions options;
  options.file = fresh_path("rendezvous");
  options.timeout_seconds = 60;
  std::vector<ncclUniqueId> ids(3);
  run_ranks(3, [&](int r) { ids[r] = dist::exchange_unique_id(r, 3, options); });
  for (int r = 1; r < 3; ++r)
    EXPECT_EQ(std::string(ids[r].internal, sizeof ids[r].internal), std::string(ids[0].internal, sizeof ids[0].internal));
  std::filesystem::remove(options.file);
}

TEST(NcclRendezvous, RankZeroRefusesAStaleFile) {
  if (dist::mpi_active()) GTEST_SKIP() << "under MPI the id travels by MPI_Bcast";
  dist::RendezvousOptions options;
  options.file = fresh_path("stale");
  { std::ofstream(options.file) << "left over"; }
  try {
    dist::exchange_unique_id(0, 2, options);
    FAIL() << "an existing rendezvous file was overwritten";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
  }
  std::filesystem::remove(options.file);
}

TEST(NcclRendezvous, WaitingRankGivesUpWithAMessage) {
  if (dist::mpi_active()) GTEST_SKIP() << "under MPI the id travels by MPI_Bcast";
  dist::RendezvousOptions options;
  options.file = fresh_path("absent");
  options.timeout_seconds = 0.05;
  try {
    dist::exchange_unique_id(1, 2, options);
    FAIL() << "no error without rank 0's file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rank 1 waited"), std::string::npos) << e.what();
  }
}

TEST(NcclCommunicator, TwoRanksAllReduceBroadcastAndBarrierEqualTheCpu) {
  VCC_REQUIRE_GPUS(2);
  ncclUniqueId id;
  ASSERT_EQ(ncclGetUniqueId(&id), ncclSuccess);
  const Tensor x0 = randn({1000, 3}, 1, DType::F32), x1 = randn({1000, 3}, 2, DType::F32);
  const std::vector<float> a = x0.to_vector<float>(), b = x1.to_vector<float>();
  std::vector<float> sum(a.size());
  for (size_t i = 0; i < a.size(); ++i) sum[i] = a[i] + b[i];
  const Tensor expected_sum = Tensor::from_vector<float>(sum, {1000, 3});
  std::vector<Tensor> reduced(2), reduced_bf16(2), broadcast(2);
  run_ranks(2, [&](int r) {
    dist::NcclOptions options;
    options.device = r;
    options.timeout_seconds = 120;
    options.log = false;
    dist::NcclCommunicator comm(r, 2, id, options);
    EXPECT_EQ(comm.rank(), r);
    EXPECT_EQ(comm.world_size(), 2);
    Tensor mine = (r == 0 ? x0 : x1).to(Device::cuda(r));
    comm.all_reduce_sum_(mine);
    reduced[r] = cpu(mine);
    Tensor mine_bf16 = (r == 0 ? x0 : x1).to(DType::BF16).to(Device::cuda(r));
    comm.all_reduce_sum_(mine_bf16);
    reduced_bf16[r] = cpu(mine_bf16);
    Tensor b = Tensor::full({17}, static_cast<double>(r + 1), DType::I64, Device::cuda(r));
    comm.broadcast_(b, 1);
    broadcast[r] = cpu(b);
    comm.barrier();
  });
  for (int r = 0; r < 2; ++r) {
    // Two addends: the same single rounding as the CPU's a + b.
    EXPECT_TRUE(vcc::testing::all_close(reduced[r], expected_sum, 0.0, 0.0)) << r;
    EXPECT_TRUE(vcc::testing::all_close(reduced_bf16[r].to(DType::F32), expected_sum, kBF16Atol, kBF16Rtol)) << r;
    EXPECT_TRUE(vcc::testing::all_close(broadcast[r], Tensor::full({17}, 2.0, DType::I64), 0.0)) << r;
  }
}

TEST(NcclCommunicator, ReportsTheNcclVersion) {
  const std::string v = dist::NcclCommunicator::nccl_version();
  EXPECT_EQ(std::count(v.begin(), v.end(), '.'), 2) << v;
  EXPECT_EQ(v.rfind(std::to_string(NCCL_MAJOR) + ".", 0), 0u) << v;
}

TEST(LocalRank, ReadsTheLaunchersVariableAndRejectsGarbage) {
  // Runs only where no launcher variable is set already (not under mpirun or Slurm).
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "MV2_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID"})
    if (std::getenv(name)) GTEST_SKIP() << name << " is set by the launcher";
  const char* saved = std::getenv("LOCAL_RANK");
  const std::string restore = saved ? saved : "";
  ::unsetenv("LOCAL_RANK");
  EXPECT_FALSE(dist::local_rank_from_environment().has_value());
  ::setenv("LOCAL_RANK", "3", 1);
  EXPECT_EQ(dist::local_rank_from_environment(), 3);
  ::setenv("LOCAL_RANK", "3x", 1);
  EXPECT_THROW(dist::local_rank_from_environment(), Error);
  if (saved)
    ::setenv("LOCAL_RANK", restore.c_str(), 1);
  else
    ::unsetenv("LOCAL_RANK");
}
