// Two identical runs give byte-identical checkpoint files (HDF5 object timestamps are off),
// so `cmp` can confirm a reproduction.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "train_test_util.h"

using namespace vcc::train::testing;
namespace fs = std::filesystem;


TEST(ReproducibleCheckpoints, TwoIdenticalRunsWriteIdenticalBytes) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 16, 8);
  for (const char* run : {"a", "b"}) {
    std::vector<std::string> argv = {bin("vcc-train"), "--set"};
    for (const std::string& o : concat(tiny_encoder_overrides(s, dir / run),
                                       {"train.max_steps=2", "schedule.warmup_steps=0", "data.valid="}))
      argv.push_back(o);
    const auto r = run_program(argv, dir / "");
    ASSERT_EQ(r.status, 0) << r.err;
    if (std::string(run) == "a") ::sleep(1);  // HDF5 timestamps have 1-second resolution
  }
  for (const char* file : {"model.h5", "optimizer.h5"}) {
    const std::string a = bytes_of(dir / (std::string("a/last/") + file));
    const std::string b = bytes_of(dir / (std::string("b/last/") + file));
    ASSERT_FALSE(a.empty()) << file;
    EXPECT_TRUE(a == b) << file << " differs between two identical runs";
  }
}
