// Every file of ../shared/data/bad-inputs/ (crafted or fuzzer-found inputs that once crashed
// or misled a reader) through the binaries and readers that take it: exit status 1, one line
// on stderr naming the file, no output written, and never a signal.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "data/hdf5_dataset.h"
#include "io/npy.h"
#include "train_test_util.h"

using namespace vcc::train::testing;
namespace fs = std::filesystem;

namespace {

std::string bad_input(const std::string& name) { return std::string(VCC_SHARED_DATA) + "/bad-inputs/" + name; }

std::vector<std::string> with_set(std::vector<std::string> argv, const std::vector<std::string>& overrides) {
  argv.push_back("--set");
  argv.insert(argv.end(), overrides.begin(), overrides.end());
  return argv;
}

// Exit 1 (not a signal: 128 + N), exactly one line on stderr, and it names `file`.
void expect_one_line_error(const Completed& r, const std::string& file) {
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

const char* const kCorruptSplits[] = {"hdf5-dataset-segfault.h5", "hdf5-dataset-overread.h5"};

}  // namespace

TEST(BadInputs, CorruptHdf5SplitsAreRefusedByTheReader) {
  for (const char* name : kCorruptSplits) {
    const std::string msg = error_of([&] { vcc::data::DatasetReader r(bad_input(name)); });
    EXPECT_NE(msg.find(bad_input(name)), std::string::npos) << name << ": " << msg;
    EXPECT_NE(msg.find("corrupt"), std::string::npos) << name << ": " << msg;
  }
}

TEST(BadInputs, IntactSplitsOfOlderVersionsWithVariableLengthStringsStillRead) {
  // Written by vcc-preprocess before strings became fixed-length: the checked reader of
  // variable-length strings must accept it whole.
  const vcc::data::DatasetReader r(std::string(VCC_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz_hdf5_dataset/synthetic-2-examples.h5");
  EXPECT_EQ(r.size(), 2);
  EXPECT_EQ(r.info().tokenizer_hash.size(), 64u) << r.info().tokenizer_hash;
  EXPECT_NE(r.info().source, "");
}

TEST(BadInputs, CorruptHdf5SplitsStopTrainingAndEvaluationWithOneLine) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 16, 8);
  const auto tr = run_program(with_set({bin("vcc-train")}, concat(tiny_encoder_overrides(s, dir / "run"),
                                                                  {"train.max_steps=1", "schedule.warmup_steps=0", "data.valid="})),
                              dir / "");
  ASSERT_EQ(tr.status, 0) << tr.err;
  for (const char* name : kCorruptSplits) {
    SCOPED_TRACE(name);
    const auto train = run_program(with_set({bin("vcc-train")}, concat(tiny_encoder_overrides(s, dir / "run2"),
                                                                       {"train.max_steps=1", "schedule.warmup_steps=0", "data.train=" + bad_input(name)})),
                                   dir / "");
    expect_one_line_error(train, bad_input(name));
    const auto eval = run_program({bin("vcc-eval"), "run", "--model", dir / "run/last", "--data", bad_input(name),
                                   "--out", dir / "eval", "--quiet"},
                                  dir / "");
    expect_one_line_error(eval, bad_input(name));
    EXPECT_FALSE(fs::exists(dir / "eval/predictions.json"));
  }
}

TEST(BadInputs, NpyShapesThatOverflowOrOutgrowTheFileAreRefusedBeforeAllocating) {
  const std::string overflow = error_of([&] { vcc::io::read_npy(bad_input("npy-numel-overflow.npy")); });
  EXPECT_NE(overflow.find(bad_input("npy-numel-overflow.npy")), std::string::npos) << overflow;
  EXPECT_NE(overflow.find("too large"), std::string::npos) << overflow;
  // 132 bytes announcing 4.5 GB: refused by the size check before any allocation. Read in a
  // child limited to 1 GiB of data, where allocating first would throw bad_alloc instead.
  const pid_t pid = ::fork();
  if (pid == 0) {
#if !defined(__SANITIZE_ADDRESS__)
    const rlimit limit{rlim_t{1} << 30, rlim_t{1} << 30};
    ::setrlimit(RLIMIT_DATA, &limit);
#endif
    try {
      vcc::io::read_npy(bad_input("npy-huge-allocation.npy"));
    } catch (const vcc::Error& e) {
      const std::string m = e.what();
      ::_exit(m.find(bad_input("npy-huge-allocation.npy")) != std::string::npos &&
                      m.find("needs 4479999840") != std::string::npos
                  ? 0
                  : 2);
    } catch (...) {
      ::_exit(3);  // std::bad_alloc: allocated before checking
    }
    ::_exit(4);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "child status " << st;
}

TEST(BadInputs, JsonNumbersOutOfRangeNameTheFileAndLine) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 4, 2);
  const auto qa = run_program({bin("vcc-preprocess"), "qa-jsonl", "--input", bad_input("ovf.jsonl"), "--tokenizer",
                               s.tokenizer, "--out", dir / "qa.h5", "--max-length", "64", "--quiet"},
                              dir / "");
  expect_one_line_error(qa, bad_input("ovf.jsonl") + ":1: invalid JSON: number overflow");
  EXPECT_FALSE(fs::exists(dir / "qa.h5"));
  const auto hotpot = run_program({bin("vcc-preprocess"), "hotpotqa", "--input", bad_input("ovf-hotpot.json"),
                                   "--tokenizer", s.tokenizer, "--out", dir / "hp.h5", "--max-length", "64", "--quiet"},
                                  dir / "");
  expect_one_line_error(hotpot, bad_input("ovf-hotpot.json") + ": invalid JSON: number overflow");
  EXPECT_FALSE(fs::exists(dir / "hp.h5"));
  const auto pairs = run_program({bin("vcc-eval"), "score", "--input", bad_input("p-ovf.jsonl")}, dir / "");
  expect_one_line_error(pairs, bad_input("p-ovf.jsonl") + ":1:");
  EXPECT_NE(pairs.err.find("malformed JSON: number overflow"), std::string::npos) << pairs.err;
  const std::string gold = dir.write("gold.json", R"([{"_id": "x", "answer": "y", "supporting_facts": []}])");
  const auto pred = run_program({bin("vcc-eval"), "score", "--hotpotqa-gold", gold, "--hotpotqa-pred",
                                 bad_input("h-ovf.json")},
                                dir / "");
  expect_one_line_error(pred, bad_input("h-ovf.json") + ":1:");
  EXPECT_NE(pred.err.find("malformed JSON: number overflow"), std::string::npos) << pred.err;
}

TEST(BadInputs, ScoreRefusesDuplicateIds) {
  Scratch dir;
  const std::string pairs = dir.write("pairs.jsonl", R"({"id": "q1", "prediction": "a", "references": ["a"]}
{"id": "q2", "prediction": "b", "references": ["b"]}
{"id": "q1", "prediction": "c", "references": ["a"]}
)");
  const auto r = run_program({bin("vcc-eval"), "score", "--input", pairs}, dir / "");
  expect_one_line_error(r, pairs + ":3: duplicate id \"q1\" (first on line 1)");
}
