// Run folders: checkpoint names, newest complete checkpoint, rotation.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/checkpoint.h"
#include "io/checkpoint_run.h"
#include "temp_dir.h"
#include "test_module.h"

using namespace vcc;
using namespace vcc::io;
using vcc::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void write_checkpoint(const std::string& run, int64_t step) {
  auto m = std::make_shared<vcc::testing::TestModule>();
  m->param("w", Tensor::full({2}, static_cast<double>(step)));
  CheckpointContents c;
  c.set_model(*m);
  save_checkpoint(run + "/" + checkpoint_name(step), c);
}

std::vector<int64_t> steps(const std::string& run) {
  std::vector<int64_t> out;
  for (const CheckpointEntry& e : list_checkpoints(run)) out.push_back(e.step);
  return out;
}

}  // namespace

TEST(CheckpointRun, NamesAreZeroPaddedAndParsedBack) {
  EXPECT_EQ(checkpoint_name(100), "step-000100");
  EXPECT_EQ(checkpoint_name(0), "step-000000");
  EXPECT_EQ(checkpoint_name(12345678), "step-12345678");
  EXPECT_EQ(parse_checkpoint_name("step-000100"), 100);
  EXPECT_EQ(parse_checkpoint_name("step-12345678"), 12345678);
  EXPECT_EQ(parse_checkpoint_name("step-000100.tmp-4242"), std::nullopt);
  EXPECT_EQ(parse_checkpoint_name("step-000100.old-4242"), std::nullopt);
  EXPECT_EQ(parse_checkpoint_name("step-"), std::nullopt);
  EXPECT_EQ(parse_checkpoint_name("best"), std::nullopt);
  EXPECT_EQ(parse_checkpoint_name("step--1"), std::nullopt);
}

TEST(CheckpointRun, LatestIgnoresIncompleteAndTemporaryFolders) {
  TempDir dir;
  const std::string run = dir.path().string();
  EXPECT_EQ(find_latest_checkpoint(run), std::nullopt);
  EXPECT_EQ(find_latest_checkpoint(dir / "no-such-run"), std::nullopt);
  write_checkpoint(run, 100);
  write_checkpoint(run, 2000);  // numeric order, not text order
  write_checkpoint(run, 300);
  // A later step whose writer died before DONE, and a write still in progress.
  write_checkpoint(run, 4000);
  fs::remove(fs::path(run) / "step-004000" / "DONE");
  fs::create_directories(fs::path(run) / "step-005000.tmp-999");
  const auto latest = find_latest_checkpoint(run);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->step, 2000);
  EXPECT_EQ(latest->path, (fs::path(run) / "step-002000").string());
  EXPECT_EQ(steps(run), (std::vector<int64_t>{100, 300, 2000}));
}

TEST(CheckpointRun, RotationKeepsTheLastNAndTheBest) {
  TempDir dir;
  const std::string run = dir.path().string();
  for (int64_t s : {100, 200, 300, 400, 500}) write_checkpoint(run, s);
  write_checkpoint(run, 50);
  fs::remove(fs::path(run) / "step-000050" / "DONE");  // incomplete: never touched
  const std::vector<std::string> removed = rotate_checkpoints(run, 2, 200);
  EXPECT_EQ(removed, (std::vector<std::string>{(fs::path(run) / "step-000100").string(),
                                               (fs::path(run) / "step-000300").string()}));
  EXPECT_EQ(steps(run), (std::vector<int64_t>{200, 400, 500}));
  EXPECT_TRUE(fs::exists(fs::path(run) / "step-000050"));
  EXPECT_FALSE(fs::exists(fs::path(run) / "step-000100"));
  // The best one among the newest costs no extra slot; keep_last 0 keeps everything.
  EXPECT_EQ(rotate_checkpoints(run, 2, 500).size(), 1u);
  EXPECT_EQ(steps(run), (std::vector<int64_t>{400, 500}));
  EXPECT_TRUE(rotate_checkpoints(run, 0).empty());
  EXPECT_EQ(steps(run), (std::vector<int64_t>{400, 500}));
  // What is left still loads.
  auto m = std::make_shared<vcc::testing::TestModule>();
  Var w = m->param("w", Tensor::zeros({2}));
  Checkpoint::open(find_latest_checkpoint(run)->path).load_model(*m);
  EXPECT_EQ(w.value().to_vector<float>(), (std::vector<float>{500.f, 500.f}));
}
