// A full disk during training and evaluation: exit status 1 with "disk full" in one line, no
// crash at exit (libhdf5 1.10 died in its exit handler), no predictions file. The disk is
// a small tmpfs mounted in a private mount namespace (unshare -rm), so no root is needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "io/checkpoint_run.h"
#include "train_test_util.h"

using namespace vcc::train::testing;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> with_set(std::vector<std::string> argv, const std::vector<std::string>& overrides) {
  argv.push_back("--set");
  argv.insert(argv.end(), overrides.begin(), overrides.end());
  return argv;
}

// argv run with `dir` replaced by a tmpfs of `kib` KiB that only this process sees.
std::vector<std::string> on_small_disk(const std::string& dir, int kib, const std::vector<std::string>& argv) {
  std::vector<std::string> a = {"unshare", "-rm", "sh", "-c",
                                "mount -t tmpfs -o size=" + std::to_string(kib) + "k tmpfs \"$0\" && exec \"$@\"", dir};
  a.insert(a.end(), argv.begin(), argv.end());
  return a;
}

// The same, then the folder's contents are copied to `copy_to` (a normal disk), so the test can
// look at what a full disk left and continue from it.
std::vector<std::string> on_small_disk_then_copy(const std::string& dir, int kib, const std::string& copy_to,
                                                 const std::vector<std::string>& argv) {
  std::vector<std::string> a = {"unshare", "-rm", "sh", "-c",
                                "mount -t tmpfs -o size=" + std::to_string(kib) + "k tmpfs \"$0\" || exit 99; "
                                "\"$@\"; status=$?; cp -a \"$0\"/. \"" + copy_to + "\" || exit 98; exit $status",
                                dir};
  a.insert(a.end(), argv.begin(), argv.end());
  return a;
}

bool can_mount_small_disks(const Scratch& dir) {
  fs::create_directories(dir / "probe");
  return program_exists("unshare") && run_program(on_small_disk(dir / "probe", 64, {"true"}), dir / "").status == 0;
}

}  // namespace

TEST(DiskFull, TrainingExitsOneWithDiskFullAndNoCore) {
  Scratch dir;
  if (!can_mount_small_disks(dir)) GTEST_SKIP() << "unshare -rm with a tmpfs mount is not allowed here";
  const SyntheticSplits s = synthetic_splits(dir / "syn", 64, 8);
  fs::create_directories(dir / "run");
  const std::vector<std::string> train =
      with_set({bin("vcc-train")}, concat(tiny_encoder_overrides(s, dir / "run"),
                                          {"train.max_steps=8", "data.valid=", "checkpoint.every_steps=1",
                                           "checkpoint.keep_last=100"}));
  const auto r = run_program(on_small_disk(dir / "run", 400, train), dir / "");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("disk full"), std::string::npos) << r.err;
}

TEST(DiskFull, EvaluationLeavesNoPredictions) {
  Scratch dir;
  if (!can_mount_small_disks(dir)) GTEST_SKIP() << "unshare -rm with a tmpfs mount is not allowed here";
  const SyntheticSplits s = synthetic_splits(dir / "syn", 16, 64);
  const auto tr = run_program(with_set({bin("vcc-train")}, concat(tiny_encoder_overrides(s, dir / "run"),
                                                                  {"train.max_steps=1", "schedule.warmup_steps=0",
                                                                   "data.valid="})),
                              dir / "");
  ASSERT_EQ(tr.status, 0) << tr.err;
  fs::create_directories(dir / "eval");
  const auto r = run_program(on_small_disk(dir / "eval", 8, {bin("vcc-eval"), "run", "--model", dir / "run/last",
                                                             "--data", s.valid, "--out", dir / "eval", "--quiet"}),
                             dir / "");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("disk full"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\nvcc-eval: error:") != std::string::npos, true) << r.err;
  EXPECT_EQ(r.err.substr(r.err.find("vcc-eval: error:")).find('\n'), r.err.size() - r.err.find("vcc-eval: error:") - 1)
      << "the error is not the last single line: " << r.err;
  EXPECT_FALSE(fs::exists(dir / "eval/predictions.json"));
  EXPECT_FALSE(fs::exists(dir / "eval/predictions.jsonl"));
}

TEST(DiskFull, TrainingResumesFromThePreviousCheckpointAndEndsAsAnUninterruptedRun) {
  Scratch dir;
  if (!can_mount_small_disks(dir)) GTEST_SKIP() << "unshare -rm with a tmpfs mount is not allowed here";
  const SyntheticSplits s = synthetic_splits(dir / "syn", 64, 8);
  auto train = [&](const std::string& run) {
    return with_set({bin("vcc-train")}, concat(tiny_encoder_overrides(s, dir / run),
                                               {"train.max_steps=8", "data.valid=", "checkpoint.every_steps=1",
                                                "checkpoint.keep_last=100"}));
  };
  ASSERT_EQ(run_program(train("straight"), dir / "").status, 0);
  // The disk fills part way; what it held is copied to "copy" and the run continues there.
  fs::create_directories(dir / "run");
  fs::create_directories(dir / "copy");
  // Room for two and a half checkpoints (plus the tokenizer copy in each and the logs).
  uintmax_t checkpoint_bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "straight/step-000001"))
    if (e.is_regular_file()) checkpoint_bytes += e.file_size();
  const int kib = static_cast<int>(checkpoint_bytes * 5 / 2 / 1024) + 32;
  const auto full = run_program(on_small_disk_then_copy(dir / "run", kib, dir / "copy", train("run")), dir / "");
  ASSERT_EQ(full.status, 1) << full.out << full.err;
  EXPECT_NE(full.err.find("disk full"), std::string::npos) << full.err;
  const auto saved = vcc::io::find_latest_checkpoint(dir / "copy");
  ASSERT_TRUE(saved.has_value()) << "the full disk kept no complete checkpoint";
  EXPECT_GE(saved->step, 1);
  EXPECT_LT(saved->step, 8);
  for (const auto& e : fs::directory_iterator(dir / "copy"))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path() << " was left behind";
  std::vector<std::string> resume = train("copy");
  resume.push_back("train.resume=auto");
  const auto resumed = run_program(resume, dir / "");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find(" at step " + std::to_string(saved->step)), std::string::npos) << resumed.out;
  EXPECT_TRUE(same_tree_bytes(dir / "copy/step-000008", dir / "straight/step-000008"));
}

TEST(DiskFull, PreprocessingExitsOneAndLeavesNoSplit) {
  Scratch dir;
  if (!can_mount_small_disks(dir)) GTEST_SKIP() << "unshare -rm with a tmpfs mount is not allowed here";
  // 64 KiB: the tokenizer model does not fit; 300 KiB without JSON lines: the HDF5 splits do
  // not (train.h5 or valid.h5).
  for (const auto& [kib, extra, failing] : std::vector<std::tuple<int, std::string, std::string>>{
           {64, "--quiet", "tokenizer.model"}, {300, "--no-jsonl", ".h5"}}) {
    SCOPED_TRACE(std::to_string(kib) + " KiB");
    const std::string out = dir / ("out" + std::to_string(kib)), copy = dir / ("copy" + std::to_string(kib));
    fs::create_directories(out);
    fs::create_directories(copy);
    const auto r = run_program(on_small_disk_then_copy(out, kib, copy,
                                                       {bin("vcc-preprocess"), "synthetic", "--out-dir", out, "--length",
                                                        "256", "--train", "400", "--valid", "50", "--quiet", extra}),
                               dir / "");
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("disk full"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(failing), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(out + "/"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    // Nothing half-written: no temporary file, and what has its final name is complete.
    for (const auto& e : fs::directory_iterator(copy)) {
      const std::string name = e.path().filename().string();
      EXPECT_EQ(name.find(".tmp"), std::string::npos) << name << " was left behind";
      if (e.path().extension() == ".h5") {
        EXPECT_NO_THROW(vcc::data::DatasetReader reader(e.path().string())) << name;
      }
    }
  }
}
