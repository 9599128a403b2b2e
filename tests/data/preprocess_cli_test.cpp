#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "data/batcher.h"
#include "data/hdf5_dataset.h"
#include "test_util.h"

namespace vcc::data {
namespace {

// Runs vcc-preprocess with arguments; returns the exit status, output in *out.
int run_cli(const std::string& args, const testing::ScratchDir& dir, std::string* out) {
  std::string log = dir.file("log.txt");
  std::string cmd = std::string(VCC_BIN_DIR) + "/vcc-preprocess " + args + " > " + log + " 2>&1";
  int rc = std::system(cmd.c_str());
  *out = testing::read_file(log);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(VccPreprocess, EndToEndOnHotpotQaAndTheSyntheticTask) {
  testing::ScratchDir dir;
  std::string out;
  std::string h5 = dir.file("hp.h5");
  int rc = run_cli("hotpotqa --input " + testing::hotpot_sample() + " --tokenizer " + testing::t5_model() +
                       " --out " + h5 + " --max-length 1024 --task qa_extractive --limit 20 --quiet",
                   dir, &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(h5 + ": 20 examples, 20 written"), std::string::npos) << out;
  DatasetReader r(h5);
  EXPECT_EQ(r.size(), 20);
  EXPECT_EQ(r.info().max_length, 1024);
  EXPECT_EQ(r.info().max_target_length, 40);  // the HotpotQA default, as the VCC config
  EXPECT_EQ(r.info().vocab_size, 32106);

  rc = run_cli("synthetic --out-dir " + dir.file("syn") + " --length 512 --train 16 --valid 4 --seed 5 --facts 8 --quiet",
               dir, &out);
  ASSERT_EQ(rc, 0) << out;
  for (const char* f : {"tokenizer.model", "train.jsonl", "valid.jsonl", "train.h5", "valid.h5"})
    EXPECT_TRUE(std::filesystem::exists(dir.file("syn/") + f)) << f;
  DatasetReader train(dir.file("syn/train.h5"));
  EXPECT_EQ(train.size(), 16);
  EXPECT_EQ(train.info().stats.spans_located, 16);
  Batcher b(train, BatcherOptions{4, 0, 1, 0, true, true});
  EXPECT_EQ(b.next().input_ids.shape(), (Shape{4, 512}));

  // The JSONL goes back through the generic reader to the same HDF5 content.
  rc = run_cli("qa-jsonl --input " + dir.file("syn/valid.jsonl") + " --tokenizer " + dir.file("syn/tokenizer.model") +
                   " --out " + dir.file("again.h5") + " --max-length 512 --max-target-length 4 --task qa_extractive --quiet",
               dir, &out);
  ASSERT_EQ(rc, 0) << out;
  DatasetReader a(dir.file("again.h5")), v(dir.file("syn/valid.h5"));
  EXPECT_EQ(a.read(0, 4).input_ids.to_vector<int32_t>(), v.read(0, 4).input_ids.to_vector<int32_t>());
  EXPECT_EQ(a.read(0, 4).answer_start.to_vector<int32_t>(), v.read(0, 4).answer_start.to_vector<int32_t>());
}

TEST(VccPreprocess, BadInputExitsNonZeroWithOneLineAndWritesNothing) {
  testing::ScratchDir dir;
  std::string bad = dir.file("bad.jsonl");
  testing::write_file(bad, "{\"id\": 1, \"question\": \"q\", \"context\": \"c\"}\n{oops\n");
  std::string out, h5 = dir.file("out.h5");
  int rc = run_cli("qa-jsonl --input " + bad + " --tokenizer " + testing::t5_model() + " --out " + h5 +
                       " --max-length 64 --quiet",
                   dir, &out);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("vcc-preprocess: error: " + bad + ":2: invalid JSON"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(h5));
  EXPECT_FALSE(std::filesystem::exists(h5 + ".tmp"));
  rc = run_cli("qa-jsonl --input " + bad, dir, &out);
  EXPECT_NE(rc, 0);
}

}  // namespace
}  // namespace vcc::data
