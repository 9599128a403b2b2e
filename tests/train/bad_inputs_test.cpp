// Every file of ../shared/data/bad-inputs/ (crafted or fuzzer-found inputs that once crashed
// or misled a reader) through the binaries and readers that take it: exit status 1, one line
// on stderr naming the file, no output written, and never a signal.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <tuple>

#include "core/error.h"
#include "data/hdf5_dataset.h"
#include "io/npy.h"
#include "test_util.h"
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
    // Older-format files (no metadata checksums) are refused before libhdf5 parses them.
    const std::string msg = error_of([&] { vcc::data::DatasetReader r(bad_input(name)); });
    EXPECT_EQ(msg, bad_input(name) +
                       ": an HDF5 file without metadata checksums (superblock version 0: written by vcc before "
                       "December 2026 or by another program), which libhdf5 1.10 cannot read safely if it is "
                       "damaged; make it again with this vcc (vcc-preprocess, or vcc-train's next checkpoint), or "
                       "set VCC_READ_LEGACY_HDF5=1 to read it anyway");
    // Read on request, they still fail in one line, by vcc's own checks.
    const vcc::testing::ScopedEnv legacy("VCC_READ_LEGACY_HDF5", "1");
    const std::string legacy_msg = error_of([&] { vcc::data::DatasetReader r(bad_input(name)); });
    EXPECT_NE(legacy_msg.find(bad_input(name)), std::string::npos) << name << ": " << legacy_msg;
    EXPECT_NE(legacy_msg.find("corrupt"), std::string::npos) << name << ": " << legacy_msg;
  }
}

TEST(BadInputs, IntactSplitsOfOlderVersionsWithVariableLengthStringsStillRead) {
  // Written by vcc-preprocess before strings became fixed-length: the checked reader of
  // variable-length strings must accept it whole (the file is read on request: no checksums).
  const vcc::testing::ScopedEnv legacy("VCC_READ_LEGACY_HDF5", "1");
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
#if !defined(VCC_TESTS_UNDER_ASAN)
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

// vcc's own files check themselves (Fletcher-32 per chunk): one flipped bit in a checkpoint's
// weights or in a split's token ids stops evaluation, resumption and training with a line
// that names the file and says "checksum", instead of training on it.
TEST(BadInputs, AFlippedBitInACheckpointOrASplitIsReported) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 16, 8);
  const std::vector<std::string> run = concat(tiny_encoder_overrides(s, dir / "run"),
                                              {"train.max_steps=2", "schedule.warmup_steps=0", "data.valid="});
  ASSERT_EQ(run_program(with_set({bin("vcc-train")}, run), dir / "").status, 0);
  // The bytes of the largest weight, found in model.h5, one bit flipped in their middle.
  auto flip_bit_of = [](const std::string& path, const std::string& needle) {
    std::string bytes = bytes_of(path);
    const size_t at = bytes.find(needle);
    if (at == std::string::npos || bytes.find(needle, at + 1) != std::string::npos) return false;
    bytes[at + needle.size() / 2] ^= 0x04;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    return true;
  };
  const std::string model = dir / "run/step-000002/model.h5";
  const vcc::io::TensorFile weights = vcc::io::read_tensor_file(model);
  const auto largest = std::max_element(weights.tensors.begin(), weights.tensors.end(),
                                        [](const auto& a, const auto& b) { return a.second.numel() < b.second.numel(); });
  const vcc::Tensor w = largest->second.contiguous();
  ASSERT_TRUE(flip_bit_of(model, std::string(static_cast<const char*>(w.raw_data()), std::min<size_t>(w.nbytes(), 256))));
  const auto eval = run_program({bin("vcc-eval"), "run", "--model", dir / "run/step-000002", "--data", s.valid, "--out",
                                 dir / "eval", "--quiet"},
                                dir / "");
  expect_one_line_error(eval, model);
  EXPECT_NE(eval.err.find("checksum"), std::string::npos) << eval.err;
  const auto resume = run_program(with_set({bin("vcc-train")}, concat(run, {"train.max_steps=3", "train.resume=auto"})),
                                  dir / "");
  expect_one_line_error(resume, model);

  // A split (its token ids are deflated, so the bit is flipped in the middle of the first
  // stored chunk of input_ids, wherever HDF5 put it).
  const std::string split = dir / "flipped.h5";
  fs::copy_file(s.train, split);
  haddr_t chunk_at = HADDR_UNDEF;
  hsize_t chunk_bytes = 0;
  {
    const hid_t f = H5Fopen(split.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t ds = H5Dopen2(f, "input_ids", H5P_DEFAULT);
    const hsize_t origin[2] = {0, 0};
    unsigned mask = 0;
    ASSERT_GE(H5Dget_chunk_info_by_coord(ds, origin, &mask, &chunk_at, &chunk_bytes), 0);
    H5Dclose(ds);
    H5Fclose(f);
  }
  {
    std::string bytes = bytes_of(split);
    ASSERT_LT(chunk_at + chunk_bytes, bytes.size());
    bytes[chunk_at + chunk_bytes / 2] ^= 0x04;
    std::ofstream(split, std::ios::binary | std::ios::trunc) << bytes;
  }
  const auto train = run_program(with_set({bin("vcc-train")}, concat(tiny_encoder_overrides(s, dir / "run2"),
                                                                     {"train.max_steps=2", "data.valid=", "data.train=" + split})),
                                 dir / "");
  expect_one_line_error(train, split);
  EXPECT_NE(train.err.find("checksum"), std::string::npos) << train.err;
}

// HDF5 files whose object header makes libhdf5 1.10 ask malloc for 2^62 bytes inside H5Fopen
// (found by tests/fuzz, kept in its corpus): malloc refuses, the open fails, and vcc-eval
// says so in one line, using a few MB. (Under ASan the fuzzers let malloc fail the same way:
// tools/fuzz.sh.)
TEST(BadInputs, Hdf5HeadersAskingForImpossibleAllocationsFailTheOpenInOneLine) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 16, 8);
  ASSERT_EQ(run_program(with_set({bin("vcc-train")}, concat(tiny_encoder_overrides(s, dir / "run"),
                                                          {"train.max_steps=1", "schedule.warmup_steps=0", "data.valid="})),
                        dir / "")
                .status,
            0);
  const std::string corpus = source("tests/fuzz/corpus");
  const std::string checkpoint_header = corpus + "/fuzz_checkpoint/found-libhdf5-object-header-size-4e18.h5";
  const std::string split_header = corpus + "/fuzz_hdf5_dataset/found-libhdf5-object-header-size-6e17.h5";
  // A checkpoint whose model.h5 is the found file.
  fs::copy(dir / "run/step-000001", dir / "bad-checkpoint", fs::copy_options::recursive);
  fs::copy_file(checkpoint_header, dir / "bad-checkpoint/model.h5", fs::copy_options::overwrite_existing);
  for (const auto& [model, data, named] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {dir / "bad-checkpoint", s.valid, dir / "bad-checkpoint/model.h5"},
           {dir / "run/step-000001", split_header, split_header}}) {
    SCOPED_TRACE(named);
    const std::vector<std::string> eval = {bin("vcc-eval"), "run", "--model", model, "--data", data, "--out",
                                           dir / "eval", "--quiet"};
    // By default the older format is refused before libhdf5 sees it.
    const auto refused = run_program(eval, dir / "");
    expect_one_line_error(refused, named);
    EXPECT_NE(refused.err.find("without metadata checksums"), std::string::npos) << refused.err;
    // Read on request: libhdf5's malloc fails and the open fails in one line.
    const auto r = run_program(concat({"/usr/bin/time", "-q", "-f", "maxrss_kb %M"}, eval), dir / "",
                               // (and under ASan, malloc returns NULL for it as in a normal build)
                               // (a sanitizer's own report would exit 86, not 1)
                               {"VCC_READ_LEGACY_HDF5=1", "ASAN_OPTIONS=allocator_may_return_null=1:exitcode=86"});
    // The last line is time's; the one before it vcc-eval's error.
    const size_t rss_at = r.err.rfind("maxrss_kb ");
    ASSERT_NE(rss_at, std::string::npos) << r.err;
    // vcc's lines only: the sanitizer build adds "==PID==WARNING: ... failed to allocate".
    std::string error;
    std::istringstream lines(r.err.substr(0, rss_at));
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("==", 0) != 0) error += line + "\n";
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << error;
    EXPECT_NE(error.find(named + ": cannot open HDF5 file"), std::string::npos) << error;
    EXPECT_LT(std::stol(r.err.substr(rss_at + 10)), 512 * 1024) << "kB of peak memory";
  }
}
