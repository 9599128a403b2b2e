// The training loop on a tiny model and synthetic data: bit-exact resume, thread-count
// independence, NaN handling, checkpoint rotation, early stopping, logs, bad inputs.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "core/rng.h"
#include "dist/single_process.h"
#include "kernels/matmul.h"
#include "io/checkpoint.h"
#include "io/checkpoint_run.h"
#include "train/stop_signal.h"
#include "train/train_options.h"
#include "train/trainer.h"
#include "train_test_util.h"

using namespace vcc;
using namespace vcc::train;
using namespace vcc::train::testing;
namespace vcc {
// Normal(0, 1) float32 values from a Philox stream.
Tensor testing_randn(const Shape& shape, uint64_t seed) {
  std::vector<float> v(shape.numel());
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(Philox::normal(seed, 3, i));
  return Tensor::from_vector<float>(v, shape);
}
}  // namespace vcc
namespace fs = std::filesystem;

namespace {

// Shared synthetic splits (64 train / 16 valid examples of 64 tokens), made once.
class TrainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new std::string(fs::temp_directory_path() / ("vcc-train-data-" + std::to_string(::getpid())));
    splits_ = new SyntheticSplits(synthetic_splits(*data_dir_, 64, 16));
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*data_dir_, ec);
    delete splits_;
    delete data_dir_;
  }

  // Trains with the tiny encoder overrides plus `extra`; returns the result and the log.
  TrainResult train(const std::string& run_dir, const std::vector<std::string>& extra, std::string* log = nullptr) {
    std::vector<std::string> o = tiny_encoder_overrides(*splits_, run_dir);
    o.insert(o.end(), extra.begin(), extra.end());
    const io::Config config = load_training_config({}, o);
    dist::SingleProcessCommunicator comm;
    std::ostringstream out;
    Trainer trainer(config, comm, out);
    TrainResult r = trainer.run();
    if (log) *log = out.str();
    return r;
  }

  static std::string* data_dir_;
  static SyntheticSplits* splits_;
};
std::string* TrainerTest::data_dir_ = nullptr;
SyntheticSplits* TrainerTest::splits_ = nullptr;

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> v;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) v.push_back(nlohmann::json::parse(line));
  return v;
}

}  // namespace

TEST_F(TrainerTest, TrainsLogsValidatesAndSaves) {
  Scratch dir;
  std::string log;
  const TrainResult r = train(dir / "run", {"train.epochs=2", "valid.metric=em", "valid.patience=0"}, &log);
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.steps, 16);  // 64 examples / batch 8 x 2 epochs
  EXPECT_TRUE(std::isfinite(r.last_loss));
  // One aligned line per step with every field, a validation line per epoch.
  EXPECT_NE(log.find("[train] step  1/16 | ep  0.12 | loss "), std::string::npos) << log;
  for (const char* field : {"gnorm", "lr ", "ms/step", "tok/s", "mem ", "ETA"})
    EXPECT_NE(log.find(field), std::string::npos) << field;
  EXPECT_NE(log.find("[valid] step  8/16 | loss "), std::string::npos) << log;
  EXPECT_NE(log.find("| em "), std::string::npos) << log;
  EXPECT_NE(log.find("new best"), std::string::npos) << log;
  // The same numbers as JSON lines.
  const auto records = read_jsonl(dir / "run/metrics.jsonl");
  int train_lines = 0, valid_lines = 0;
  for (const auto& j : records) {
    if (j["type"] == "train") {
      ++train_lines;
      EXPECT_TRUE(j.contains("grad_norm") && j.contains("tokens_per_s") && j.contains("eta_s"));
    }
    if (j["type"] == "valid") {
      ++valid_lines;
      EXPECT_TRUE(j.contains("em") && j.contains("f1") && j.contains("loss"));
    }
  }
  EXPECT_EQ(train_lines, 16);
  EXPECT_EQ(valid_lines, 2);
  // The effective config, the human log, and a complete final checkpoint with everything
  // needed to resume; "last" and "best" point at checkpoints.
  EXPECT_TRUE(fs::exists(dir / "run/config.yaml"));
  EXPECT_TRUE(fs::exists(dir / "run/train.log"));
  const io::Checkpoint ck = io::Checkpoint::open(dir / "run/step-000016");
  EXPECT_TRUE(ck.optimizer_state().has_value());
  ASSERT_TRUE(ck.trainer_state().has_value());
  EXPECT_EQ(ck.trainer_state()->get_int("step"), 16);
  EXPECT_TRUE(ck.tokenizer_path().has_value());
  EXPECT_TRUE(io::is_complete_checkpoint(dir / "run/last"));
  EXPECT_TRUE(io::is_complete_checkpoint(dir / "run/best"));
}

namespace {

// metrics.jsonl without what depends on the clock or the machine (times, rates, memory, ETA).
std::vector<nlohmann::json> deterministic_records(const std::string& path) {
  std::vector<nlohmann::json> v = read_jsonl(path);
  for (auto& j : v)
    for (const char* key : {"ms_per_step", "tokens_per_s", "memory_bytes", "eta_s", "seconds"}) j.erase(key);
  return v;
}

// N steps, stop, resume for N more equals 2N steps straight. VCC on (exploration draws random
// rankings in training), dropout on, accumulation, validation and checkpoints in between, and
// a log window of 3 steps, so the stop cuts a window.
const std::vector<std::string> kResumeRun = {
    "train.max_steps=8",          "train.accum_steps=2",        "valid.every_steps=3",
    "log.every_steps=3",          "model.hidden_dropout=0.1",   "model.attention_dropout=0.1",
    "checkpoint.every_steps=2",   "model.vcc.enabled=true",     "model.vcc.num_vip=16",
    "model.vcc.block_size=16",    "model.vcc.fine_blocks=1",    "model.vcc.standard_layers=1",
    "model.vcc.explore_prob=0.5", "model.segment_local_layers=1", "model.segment_size=64"};

}  // namespace

TEST_F(TrainerTest, ResumeContinuesBitExactly) {
  Scratch dir;
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), kResumeRun.begin(), kResumeRun.end());
    return extra;
  };
  const TrainResult first = train(dir / "split", with({"train.stop_at_step=4"}));
  EXPECT_EQ(first.steps, 4);
  EXPECT_FALSE(first.finished);
  std::string log;
  const TrainResult second = train(dir / "split", with({"train.resume=auto"}), &log);
  EXPECT_EQ(second.start_step, 4);
  EXPECT_TRUE(second.finished);
  EXPECT_NE(log.find("resumed"), std::string::npos) << log;
  const TrainResult straight = train(dir / "straight", with({}));
  EXPECT_TRUE(straight.finished);
  EXPECT_TRUE(same_tensor_files(dir / "split/step-000008/model.h5", dir / "straight/step-000008/model.h5"));
  EXPECT_TRUE(same_tensor_files(dir / "split/step-000008/optimizer.h5", dir / "straight/step-000008/optimizer.h5"));
  EXPECT_TRUE(same_tree_bytes(dir / "split/step-000008", dir / "straight/step-000008"));
  // The log too: the window the stop cut (steps 4-6) is logged once, at step 6, with the
  // losses of all three steps.
  EXPECT_EQ(deterministic_records(dir / "split/metrics.jsonl"), deterministic_records(dir / "straight/metrics.jsonl"));
}

TEST_F(TrainerTest, SigtermAtARandomStepThenResumeEqualsAnUninterruptedRun) {
  Scratch dir;
  std::vector<std::string> run = kResumeRun;
  run.push_back("train.max_steps=7");
  const TrainResult straight = train(dir / "straight", run);
  ASSERT_TRUE(straight.finished);
  // Any step may be the one: a different one each time the suite runs (the trace names it).
  const int64_t signal_step = 1 + static_cast<int64_t>(std::random_device{}() % 5);  // 1..5
  SCOPED_TRACE("SIGTERM after step " + std::to_string(signal_step));
  {
    const io::Config config = load_training_config({}, concat(tiny_encoder_overrides(*splits_, dir / "split"), run));
    dist::SingleProcessCommunicator comm;
    std::ostringstream out;
    Trainer trainer(config, comm, out);
    trainer.set_step_callback([&](int64_t step) {
      if (step == signal_step) std::raise(SIGTERM);
    });
    const TrainResult r = trainer.run();
    ASSERT_EQ(r.stop_signal, SIGTERM) << out.str();
    ASSERT_EQ(r.steps, signal_step + 1);
  }
  run.push_back("train.resume=auto");
  const TrainResult resumed = train(dir / "split", run);
  EXPECT_EQ(resumed.start_step, signal_step + 1);
  EXPECT_TRUE(resumed.finished);
  EXPECT_TRUE(same_tree_bytes(dir / "split/step-000007", dir / "straight/step-000007"));
  EXPECT_EQ(deterministic_records(dir / "split/metrics.jsonl"), deterministic_records(dir / "straight/metrics.jsonl"));
}

namespace {
// Whether the library's GEMM gives the same bits with 1 and 2 threads on a shape the tiny
// model uses (its weight gradients are [64, 512] x [512, 64] products). It does by design
// (shape-fixed single-threaded tiles, lib/kernels/cpu/matmul_cpu.cpp); a BLAS left to its
// own threading would not (OpenBLAS 0.3.21 picks kernels per thread partition).
bool gemm_is_thread_independent() {
  const int before = num_threads();
  const Tensor a = vcc::testing_randn({64, 512}, 1), b = vcc::testing_randn({512, 64}, 2);
  set_num_threads(1);
  const Tensor one = kernels::matmul(a, b);
  set_num_threads(2);
  const Tensor two = kernels::matmul(a, b);
  set_num_threads(before);
  return std::memcmp(one.raw_data(), two.raw_data(), one.nbytes()) == 0;
}
}  // namespace

TEST_F(TrainerTest, ThreadCountDoesNotChangeTheResult) {
  ASSERT_TRUE(gemm_is_thread_independent()) << "kernels::matmul differs between 1 and 2 threads, so no training run "
                                                "can be thread-count independent";
  Scratch dir;
  const std::vector<std::string> common = {"train.max_steps=3", "model.hidden_dropout=0.1", "data.valid="};
  auto extra = [&](const std::string& threads) {
    std::vector<std::string> v = common;
    v.push_back("train.threads=" + threads);
    return v;
  };
  train(dir / "one", extra("1"));
  train(dir / "two", extra("2"));
  EXPECT_TRUE(same_tensor_files(dir / "one/step-000003/model.h5", dir / "two/step-000003/model.h5"));
  EXPECT_TRUE(same_tensor_files(dir / "one/step-000003/optimizer.h5", dir / "two/step-000003/optimizer.h5"));
}

TEST_F(TrainerTest, Bf16PrecisionTrainsCloseToFp32AndKeepsFloat32Weights) {
  Scratch dir;
  std::string log;
  const TrainResult fp32 = train(dir / "fp32", {"train.max_steps=6"});
  const TrainResult bf16 = train(dir / "bf16", {"train.max_steps=6", "train.precision=bf16"}, &log);
  EXPECT_NE(log.find("precision bf16"), std::string::npos) << log;
  // bfloat16 operands change the numbers, by bfloat16's rounding and not more.
  EXPECT_NE(bf16.last_loss, fp32.last_loss);
  EXPECT_NEAR(bf16.last_loss, fp32.last_loss, 0.03 * fp32.last_loss);
  // Deterministic like float32 training.
  EXPECT_EQ(train(dir / "bf16-again", {"train.max_steps=6", "train.precision=bf16"}).last_loss, bf16.last_loss);
  // The checkpoint holds the float32 master weights.
  for (const auto& [name, t] : io::Checkpoint::open(dir / "bf16/last").model_tensors().tensors)
    EXPECT_EQ(t.dtype(), DType::F32) << name;
  try {
    train(dir / "bad", {"train.max_steps=2", "train.precision=fp16"});
    FAIL() << "train.precision=fp16 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'train.precision': unknown value 'fp16'"), std::string::npos) << e.what();
  }
}

TEST_F(TrainerTest, NanLossStopsNamingTheStep) {
  Scratch dir;
  // A huge learning rate sends the weights to infinity after the first update.
  const std::string e = error_of([&] {
    train(dir / "run", {"train.max_steps=6", "optim.lr=1e38", "train.clip_norm=0", "schedule.warmup_steps=0",
                        "schedule.name=constant"});
  });
  EXPECT_NE(e.find("at step 2 (epoch 1, batch 2/8)"), std::string::npos) << e;
  EXPECT_TRUE(e.rfind("loss is nan at step 2", 0) == 0 || e.rfind("loss is inf at step 2", 0) == 0 ||
              e.rfind("gradient norm is", 0) == 0)
      << e;
  EXPECT_NE(e.find("train.nan_policy=skip"), std::string::npos) << e;
  // Nothing was saved after the bad step.
  EXPECT_FALSE(io::find_latest_checkpoint(dir / "run").has_value());
}

TEST_F(TrainerTest, NanPolicySkipSkipsThenGivesUp) {
  Scratch dir;
  std::string log;
  const std::string e = error_of([&] {
    train(dir / "run",
          {"train.max_steps=8", "optim.lr=1e38", "train.clip_norm=0", "schedule.warmup_steps=0", "schedule.name=constant",
           "train.nan_policy=skip", "train.max_nan_skips=2"},
          &log);
  });
  EXPECT_NE(e.find("3 steps in a row skipped (train.max_nan_skips 2)"), std::string::npos) << e;
}

TEST_F(TrainerTest, KeepsTheLastCheckpointsAndTheBest) {
  Scratch dir;
  // lr 0: the validation loss never changes, so the first validation stays the best.
  train(dir / "run", {"train.max_steps=6", "optim.lr=0", "checkpoint.every_steps=1", "checkpoint.keep_last=2",
                      "valid.every_steps=1", "valid.predict=false"});
  std::vector<int64_t> steps;
  for (const auto& c : io::list_checkpoints(dir / "run")) steps.push_back(c.step);
  EXPECT_EQ(steps, (std::vector<int64_t>{1, 5, 6}));
  EXPECT_EQ(fs::read_symlink(dir / "run/best").string(), "step-000001");
  EXPECT_EQ(fs::read_symlink(dir / "run/last").string(), "step-000006");
}

TEST_F(TrainerTest, EarlyStoppingAfterPatienceValidations) {
  Scratch dir;
  std::string log;
  const TrainResult r = train(dir / "run",
                              {"train.max_steps=8", "optim.lr=0", "valid.every_steps=1", "valid.patience=2",
                               "valid.predict=false"},
                              &log);
  EXPECT_TRUE(r.early_stopped);
  EXPECT_EQ(r.steps, 3);
  EXPECT_NE(log.find("loss stalled 1/2 (best "), std::string::npos) << log;
  EXPECT_NE(log.find("early stop"), std::string::npos) << log;
  EXPECT_TRUE(io::is_complete_checkpoint(dir / "run/step-000003"));
}

TEST_F(TrainerTest, StopSignalFinishesTheStepSavesAndReturns) {
  Scratch dir;
  std::vector<std::string> o = tiny_encoder_overrides(*splits_, dir / "run");
  o.push_back("train.max_steps=6");
  const io::Config config = load_training_config({}, o);
  dist::SingleProcessCommunicator comm;
  std::ostringstream out;
  Trainer trainer(config, comm, out);
  // SIGTERM arrives after step 2: the handler only records it; step 3 (already under way in
  // a real run) completes, then the trainer saves and returns.
  trainer.set_step_callback([](int64_t step) {
    if (step == 2) std::raise(SIGTERM);
  });
  const TrainResult r = trainer.run();
  EXPECT_EQ(r.stop_signal, SIGTERM);
  EXPECT_EQ(r.steps, 3);
  EXPECT_FALSE(r.finished);
  EXPECT_TRUE(io::is_complete_checkpoint(dir / "run/step-000003"));
  EXPECT_NE(out.str().find("stopped by SIGTERM at step 3; continue with --resume auto"), std::string::npos) << out.str();
  // The default action is back after run().
  struct sigaction sa {};
  sigaction(SIGTERM, nullptr, &sa);
  EXPECT_EQ(sa.sa_handler, SIG_DFL);
}

TEST_F(TrainerTest, RefusesToOverwriteARunWithoutResume) {
  Scratch dir;
  train(dir / "run", {"train.max_steps=1", "schedule.warmup_steps=0", "data.valid="});
  const std::string e = error_of([&] { train(dir / "run", {"train.max_steps=2", "data.valid="}); });
  EXPECT_NE(e.find("already has checkpoints"), std::string::npos) << e;
  EXPECT_NE(e.find("--resume auto"), std::string::npos) << e;
}

TEST_F(TrainerTest, ModelAndDataMismatchesAreNamed) {
  Scratch dir;
  EXPECT_NE(error_of([&] { train(dir / "a", {"model.vocab_size=10"}); }).find("set model.vocab_size >= "),
            std::string::npos);
  EXPECT_NE(error_of([&] { train(dir / "b", {"model.pad_token_id=1"}); }).find("set model.pad_token_id=0"),
            std::string::npos);
  EXPECT_NE(error_of([&] { train(dir / "c", {"model.max_position_embeddings=32"}); })
                .find("need 64 position rows but model.max_position_embeddings is 32"),
            std::string::npos);
  EXPECT_NE(error_of([&] { train(dir / "d", {"train.batch_size=6", "train.accum_steps=4"}); })
                .find("must be a multiple of processes x train.accum_steps"),
            std::string::npos);
  EXPECT_NE(error_of([&] { train(dir / "e", {"train.batch_size=128"}); }).find("make no complete global batch"),
            std::string::npos);
  EXPECT_NE(error_of([&] { train(dir / "f", {"train.max_steps=1", "schedule.warmup_steps=5"}); })
                .find("option 'schedule.warmup_steps' (5) is more than the 1 steps of the run"),
            std::string::npos);
}

TEST_F(TrainerTest, CorruptSplitIsNamed) {
  Scratch dir;
  // A truncated HDF5 file (half its bytes) is reported with its path, before any training.
  const std::string bad = dir / "truncated.h5";
  fs::copy_file(splits_->train, bad);
  fs::resize_file(bad, fs::file_size(bad) / 2);
  const std::string e = error_of([&] { train(dir / "run", {"data.train=" + bad}); });
  EXPECT_NE(e.find("truncated.h5"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir / "run/config.yaml"));
  const std::string garbage = dir.write("garbage.h5", "this is not an HDF5 file\n");
  const std::string e2 = error_of([&] { train(dir / "run", {"data.train=" + garbage}); });
  EXPECT_NE(e2.find("garbage.h5"), std::string::npos) << e2;
}

TEST_F(TrainerTest, EmptyValidationSplitAndUnusableRunFolderAreRefusedBeforeTraining) {
  Scratch dir;
  const SyntheticSplits empty = synthetic_splits(dir / "empty", 8, 0);
  std::string log;
  const std::string e = error_of([&] { train(dir / "run", {"data.valid=" + empty.valid}, &log); });
  EXPECT_EQ(e, empty.valid + ": the validation split has no examples (option 'data.valid'; set data.valid= to train "
                             "without validation)");
  EXPECT_FALSE(fs::exists(dir / "run/config.yaml"));
  // A run folder that cannot be made (its parent is a file): named by its option, no raw
  // filesystem_error text.
  const std::string file = dir.write("file.txt", "x");
  const std::string e2 = error_of([&] { train(file + "/run", {}); });
  EXPECT_EQ(e2, "option 'train.run_dir': cannot create " + file + "/run: Not a directory");
}

TEST(Seq2SeqTraining, TinyT5WithVccTrainsValidatesAndEvaluates) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 32, 8, 64, /*seq2seq=*/true);
  std::vector<std::string> o = tiny_t5_overrides(s, dir / "run");
  o.insert(o.end(), {"train.max_steps=4", "schedule.warmup_steps=0", "valid.every_steps=4", "valid.metric=f1",
                     "valid.rouge=true", "model.vcc.enabled=true", "model.vcc.num_vip=16", "model.vcc.block_size=16",
                     "model.vcc.fine_blocks=1", "model.vcc.standard_layers=1", "model.segment_local_layers=1",
                     "model.segment_size=64"});
  const io::Config config = load_training_config({}, o);
  dist::SingleProcessCommunicator comm;
  std::ostringstream out;
  Trainer trainer(config, comm, out);
  const TrainResult r = trainer.run();
  EXPECT_TRUE(r.finished);
  EXPECT_TRUE(std::isfinite(r.last_loss));
  EXPECT_NE(out.str().find("VCC n=64 n_p=16 b=16 N=3 k=1"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("| rougeL "), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("f1 "), std::string::npos) << out.str();
  // Greedy and beam-search answers through vcc-eval run, VCC on.
  for (const char* beams : {"1", "2"}) {
    const auto ev = run_program({bin("vcc-eval"), "run", "--model", dir / "run/last", "--data", s.valid, "--out",
                                 dir / (std::string("eval") + beams), "--quiet", "--num-beams", beams},
                                dir / "");
    ASSERT_EQ(ev.status, 0) << ev.err;
    const nlohmann::json m = nlohmann::json::parse(ev.out);
    EXPECT_EQ(m["task"], "seq2seq");
    EXPECT_EQ(m["vcc"], true);
    EXPECT_EQ(m["examples"], 8);
  }
}

// The resume test's run (VCC with exploration, dropout, accumulation, validation and
// checkpoints) on the emulated accelerator, stopped and resumed there, equals the same run on
// the CPU bit for bit. emu:1, not emu:0: the trainer must make its device current.
TEST_F(TrainerTest, EmulatedDeviceRunWithResumeEqualsTheCpuRun) {
  Scratch dir;
  const std::vector<std::string> common = {"train.max_steps=8", "train.accum_steps=2", "valid.every_steps=3",
                                           "model.hidden_dropout=0.1", "model.attention_dropout=0.1",
                                           "checkpoint.every_steps=2", "model.vcc.enabled=true", "model.vcc.num_vip=16",
                                           "model.vcc.block_size=16", "model.vcc.fine_blocks=1",
                                           "model.vcc.standard_layers=1", "model.vcc.explore_prob=0.5",
                                           "model.segment_local_layers=1", "model.segment_size=64"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), common.begin(), common.end());
    return extra;
  };
  std::string log;
  const TrainResult first = train(dir / "emu", with({"train.device=emu:1", "train.stop_at_step=4"}), &log);
  EXPECT_EQ(first.steps, 4);
  EXPECT_NE(log.find("device emu:1"), std::string::npos) << log;
  const TrainResult second = train(dir / "emu", with({"train.device=emu:1", "train.resume=auto"}));
  EXPECT_TRUE(second.finished);
  const TrainResult cpu = train(dir / "cpu", with({}));
  EXPECT_TRUE(cpu.finished);
  EXPECT_TRUE(same_tensor_files(dir / "emu/step-000008/model.h5", dir / "cpu/step-000008/model.h5"));
  EXPECT_TRUE(same_tensor_files(dir / "emu/step-000008/optimizer.h5", dir / "cpu/step-000008/optimizer.h5"));
  auto records = [](const std::string& path) {
    std::vector<std::string> v;
    for (nlohmann::json j : read_jsonl(path)) {
      if (j["type"] != "train" && j["type"] != "valid") continue;
      for (const char* timing : {"ms_per_step", "tokens_per_s", "eta_s", "memory_bytes", "time", "seconds"}) j.erase(timing);
      v.push_back(j.dump());
    }
    return v;
  };
  EXPECT_EQ(records(dir / "emu/metrics.jsonl"), records(dir / "cpu/metrics.jsonl"));
}

// A tiny T5 with VCC trained on emu:1 equals the CPU run, and vcc-eval run on the device
// (greedy and beam) writes the CPU's predictions.
TEST(Seq2SeqTraining, TinyT5WithVccOnTheEmulatedDeviceEqualsTheCpu) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 32, 8, 64, /*seq2seq=*/true);
  auto run = [&](const std::string& name, const std::string& device) {
    std::vector<std::string> o = tiny_t5_overrides(s, dir / name);
    o.insert(o.end(), {"train.max_steps=4", "schedule.warmup_steps=0", "valid.every_steps=2", "valid.metric=f1",
                       "checkpoint.every_steps=2", "model.vcc.enabled=true", "model.vcc.num_vip=16",
                       "model.vcc.block_size=16", "model.vcc.fine_blocks=1", "model.vcc.standard_layers=1",
                       "model.segment_local_layers=1", "model.segment_size=64", "train.device=" + device});
    const io::Config config = load_training_config({}, o);
    dist::SingleProcessCommunicator comm;
    std::ostringstream out;
    Trainer trainer(config, comm, out);
    EXPECT_TRUE(trainer.run().finished) << out.str();
  };
  run("cpu", "cpu");
  run("emu", "emu:1");
  EXPECT_TRUE(same_tensor_files(dir / "emu/step-000004/model.h5", dir / "cpu/step-000004/model.h5"));
  EXPECT_TRUE(same_tensor_files(dir / "emu/step-000004/optimizer.h5", dir / "cpu/step-000004/optimizer.h5"));
  for (const char* beams : {"1", "2"}) {
    std::string predictions[2];
    int i = 0;
    for (const char* device : {"cpu", "emu:1"}) {
      const std::string out = dir / (std::string("eval-") + beams + "-" + std::to_string(i));
      const auto ev = run_program({bin("vcc-eval"), "run", "--model", dir / "cpu/last", "--data", s.valid, "--out", out,
                                   "--quiet", "--num-beams", beams, "--device", device},
                                  dir / "");
      ASSERT_EQ(ev.status, 0) << ev.err;
      std::ifstream in(out + "/predictions.jsonl");
      predictions[i++] = std::string(std::istreambuf_iterator<char>(in), {});
    }
    EXPECT_FALSE(predictions[0].empty());
    EXPECT_EQ(predictions[1], predictions[0]) << "beams " << beams;
  }
}
