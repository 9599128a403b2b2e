// Data parallelism: the communicator factory, gradient averaging, the MPI backend's
// collectives under mpirun, and the equivalence of a 2-process run with a 1-process run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "autograd/variable.h"
#include "dist/communicator.h"
#include "dist/gradient_sync.h"
#include "dist/single_process.h"
#include "train/train_test_util.h"

using namespace vcc;
using namespace vcc::dist;
using namespace vcc::train::testing;
namespace fs = std::filesystem;

TEST(Communicator, SingleProcessCollectivesAreIdentities) {
  SingleProcessCommunicator c;
  EXPECT_EQ(c.rank(), 0);
  EXPECT_EQ(c.world_size(), 1);
  Tensor t = Tensor::from_vector<float>({1.5f, -2.0f}, {2});
  c.all_reduce_sum(t);
  c.broadcast(t, 0);
  c.barrier();
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(all_reduce_sum(c, {1.0, 2.0}), (std::vector<double>{1.0, 2.0}));
}

TEST(Communicator, FactoryNamesWhatIsMissing) {
  EXPECT_EQ(make_communicator({"auto", ""})->backend(), launcher_world_size() > 1 ? "mpi" : "single");
  EXPECT_NE(error_of([] { make_communicator({"gloo", ""}); }).find("unknown dist.backend 'gloo' (expected auto, single, mpi or nccl)"),
            std::string::npos);
  if (!has_nccl_backend()) {
    EXPECT_NE(error_of([] { make_communicator({"nccl", ""}); }).find("no NCCL backend"), std::string::npos);
  }
}

TEST(GradientSync, OneProcessDividesWithoutTouchingSharedGradients) {
  SingleProcessCommunicator c;
  Var a(Tensor::zeros({3}), true), b(Tensor::zeros({2, 2}), true), unused(Tensor::zeros({4}), true);
  // Autograd may hand the same gradient tensor to two parameters; averaging must not
  // divide it twice.
  Tensor shared = Tensor::from_vector<float>({2, 4, 6}, {3});
  a.set_grad(shared);
  b.set_grad(Tensor::from_vector<float>({8, 10, 12, 14}, {2, 2}));
  GradientSync sync(c, {a, b, unused}, /*bucket_bytes=*/16);
  sync.average(2.0);
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{4, 5, 6, 7}));
  EXPECT_EQ(shared.to_vector<float>(), (std::vector<float>{2, 4, 6}));
  EXPECT_FALSE(unused.grad().defined());  // no rank had one: stays without
  EXPECT_EQ(sync.buckets_last_call(), 2);  // 12 + 16 bytes > 16: two buckets
  sync.average(1.0);                        // one process, divisor 1: nothing to do
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{1, 2, 3}));
}

// ---- MPI ----

// Run only inside `mpirun` (the parent test below starts it): every collective is checked on
// both ranks; a failure makes the rank exit non-zero, which mpirun reports.
TEST(MpiChild, CollectivesSumInRankOrderAndBroadcast) {
  if (std::getenv("VCC_MPI_CHILD") == nullptr) GTEST_SKIP() << "runs under mpirun from MpiBackend.Collectives";
  auto comm = make_communicator({"mpi", ""});
  const int r = comm->rank(), w = comm->world_size();
  ASSERT_EQ(w, 2);
  // float32 sum, odd length (uneven slices), values that differ per rank.
  Tensor f = Tensor::from_vector<float>({1.0f + r, 0.5f * r, -3.0f, 1e-8f * (r + 1), 7.0f}, {5});
  comm->all_reduce_sum(f);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{3.0f, 0.5f, -6.0f, 1e-8f + 2e-8f, 14.0f}));
  Tensor d = Tensor::from_vector<double>({static_cast<double>(r)}, {1});  // fewer elements than ranks own
  comm->all_reduce_sum(d);
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{1.0}));
  Tensor i = Tensor::from_vector<int64_t>({int64_t{1} << (40 + r), 5}, {2});
  comm->all_reduce_sum(i);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{(int64_t{1} << 40) + (int64_t{1} << 41), 10}));
  Tensor big = Tensor::full({100003}, 0.25 * (r + 1));
  comm->all_reduce_sum(big);
  EXPECT_EQ(big.to_vector<float>(), std::vector<float>(100003, 0.75f));
  Tensor b = Tensor::from_vector<int32_t>({r * 10 + 1, r * 10 + 2}, {2});
  comm->broadcast(b, 1);
  EXPECT_EQ(b.to_vector<int32_t>(), (std::vector<int32_t>{11, 12}));
  // Gradient averaging: rank 1 lacks the gradient of p (counts as 0); q has none anywhere.
  Var p(Tensor::zeros({2}), true), q(Tensor::zeros({1}), true);
  if (r == 0) p.set_grad(Tensor::from_vector<float>({4, 8}, {2}));
  GradientSync sync(*comm, {p, q});
  sync.average(2.0);
  ASSERT_TRUE(p.grad().defined());
  EXPECT_EQ(p.grad().to_vector<float>(), (std::vector<float>{2, 4}));
  EXPECT_FALSE(q.grad().defined());
  // Parameters from rank 0.
  Var x(Tensor::full({3}, 1.0 + r), true);
  GradientSync(*comm, {x}).broadcast_parameters();
  EXPECT_EQ(x.value().to_vector<float>(), (std::vector<float>{1, 1, 1}));
  comm->barrier();
}

TEST(MpiBackend, Collectives) {
  if (!has_mpi_backend() || !program_exists("mpirun")) GTEST_SKIP() << "MPI not built or mpirun not installed";
  Scratch dir;
  // This test binary, started twice by mpirun, runs only the MpiChild test.
  auto argv = mpirun_prefix(2);
  argv.insert(argv.end(), {"-x", "VCC_MPI_CHILD=1", "-x", "OMP_NUM_THREADS=1", fs::canonical("/proc/self/exe").string(),
                           "--gtest_filter=MpiChild.*", "--gtest_color=no"});
  const Completed c = run_program(argv, dir / "");
  EXPECT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("[  PASSED  ] 1 test"), std::string::npos) << c.out << c.err;
}

// A 2-process run equals a 1-process run with the same global batch: bit for bit when the
// 1-process run accumulates the same 2 micro-batches (same dropout streams, sums in the same
// order), and to float rounding when it takes the whole batch at once (dropout off).
TEST(MpiBackend, TwoProcessesEqualOneProcess) {
  if (!has_mpi_backend() || !program_exists("mpirun")) GTEST_SKIP() << "MPI not built or mpirun not installed";
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 32, 8);
  auto train_args = [&](const std::string& run, const std::vector<std::string>& extra) {
    std::vector<std::string> o = tiny_encoder_overrides(s, dir / run);
    o.insert(o.end(), {"train.max_steps=3", "valid.every_steps=3", "valid.predict=false"});
    o.insert(o.end(), extra.begin(), extra.end());
    std::vector<std::string> a = {bin("vcc-train"), "--set"};
    a.insert(a.end(), o.begin(), o.end());
    return a;
  };
  auto mpi = [&](std::vector<std::string> a) {
    std::vector<std::string> m = mpirun_prefix(2);
    m.insert(m.end(), {"-x", "OMP_NUM_THREADS=1"});
    m.insert(m.end(), a.begin(), a.end());
    return m;
  };
  // With dropout: 2 processes x 1 micro-batch vs 1 process x 2 micro-batches.
  const std::vector<std::string> dropout = {"model.hidden_dropout=0.1", "model.attention_dropout=0.1"};
  Completed two = run_program(mpi(train_args("two", dropout)), dir / "");
  ASSERT_EQ(two.status, 0) << two.out << two.err;
  EXPECT_NE(two.out.find("2 processes x 1 micro-batch x 4"), std::string::npos) << two.out;
  EXPECT_NE(two.out.find("dist mpi"), std::string::npos) << two.out;
  Completed one = run_program(train_args("one", concat(dropout, {"train.accum_steps=2"})), dir / "");
  ASSERT_EQ(one.status, 0) << one.err;
  EXPECT_TRUE(same_tensor_files(dir / "two/step-000003/model.h5", dir / "one/step-000003/model.h5"));
  EXPECT_TRUE(same_tensor_files(dir / "two/step-000003/optimizer.h5", dir / "one/step-000003/optimizer.h5"));
  // Validation, sharded over the processes, gives the same loss.
  auto valid_loss = [](const std::string& out) {
    const size_t p = out.find("[valid] step 3/3 | loss ");
    return p == std::string::npos ? std::string("missing") : out.substr(p + 24, 6);
  };
  EXPECT_EQ(valid_loss(two.out), valid_loss(one.out)) << two.out << one.out;

  // The same on emulated devices: train.device=emu without an index puts rank r on emu:r (the
  // local rank, as under NCCL; the MPI backend refuses device tensors on another index), and
  // the result is the CPU's, bit for bit.
  Completed two_emu = run_program(mpi(train_args("two-emu", concat(dropout, {"train.device=emu"}))), dir / "");
  ASSERT_EQ(two_emu.status, 0) << two_emu.out << two_emu.err;
  EXPECT_NE(two_emu.out.find("device emu:0"), std::string::npos) << two_emu.out;
  EXPECT_TRUE(same_tensor_files(dir / "two-emu/step-000003/model.h5", dir / "one/step-000003/model.h5"));
  EXPECT_TRUE(same_tensor_files(dir / "two-emu/step-000003/optimizer.h5", dir / "one/step-000003/optimizer.h5"));
  EXPECT_EQ(valid_loss(two_emu.out), valid_loss(one.out)) << two_emu.out << one.out;

  // Without dropout: 2 processes vs 1 process taking all 8 rows at once.
  const std::vector<std::string> no_dropout = {"model.hidden_dropout=0", "model.attention_dropout=0"};
  two = run_program(mpi(train_args("two-nd", no_dropout)), dir / "");
  ASSERT_EQ(two.status, 0) << two.err;
  one = run_program(train_args("one-nd", no_dropout), dir / "");
  ASSERT_EQ(one.status, 0) << one.err;
  EXPECT_LT(max_tensor_file_diff(dir / "two-nd/step-000003/model.h5", dir / "one-nd/step-000003/model.h5"), 1e-5);
  // Only rank 0 writes: one run folder, one log.
  EXPECT_EQ(line_count(dir / "two-nd/metrics.jsonl"), line_count(dir / "one-nd/metrics.jsonl"));
}
