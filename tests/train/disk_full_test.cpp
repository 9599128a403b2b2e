// A full disk during training and evaluation: exit status 1 with "disk full" in one line, no
// crash at exit (libhdf5 1.10 died in its exit handler), no predictions file. The disk is
// a small tmpfs mounted in a private mount namespace (unshare -rm), so no root is needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

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
