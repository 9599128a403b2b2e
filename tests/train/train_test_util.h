#pragma once
// Helpers of the training tests: scratch folders, tiny synthetic splits, tiny model configs,
// running the built binaries, and comparing checkpoints bit for bit.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "data/hdf5_dataset.h"
#include "data/preprocess.h"
#include "io/checkpoint_tensors.h"

namespace vcc::train::testing {

inline std::string bin(const std::string& name) { return std::string(VCC_BIN_DIR) + "/" + name; }
inline std::string source(const std::string& rel) { return std::string(VCC_SOURCE_DIR) + "/" + rel; }

// A fresh folder per test, removed with its contents at the end.
class Scratch {
 public:
  Scratch() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("vcc-train-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(*this / name, std::ios::binary) << text;
    return *this / name;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The message of the vcc::Error that fn throws ("no error" if none).
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const vcc::Error& e) {
    return e.what();
  }
  return "no error";
}

struct SyntheticSplits {
  std::string train, valid, tokenizer;
  int64_t vocab_size = 0, length = 0;
};

// A small synthetic key-value QA task (docs/data.md): `train` and `valid` examples of
// `length` tokens, extractive (answer spans) or seq2seq (labels).
inline SyntheticSplits synthetic_splits(const std::string& dir, int64_t train, int64_t valid, int64_t length = 64,
                                        bool seq2seq = false, int64_t facts = 4) {
  data::SyntheticRun run;
  run.task.length = length;
  run.task.facts = facts;
  run.task.num_keys = 64;
  run.task.num_values = 16;
  run.task.seed = 7;
  run.train = train;
  run.valid = valid;
  run.model_task = seq2seq ? data::Task::Seq2Seq : data::Task::QaExtractive;
  run.max_target_length = 4;
  run.write_jsonl = false;
  run.progress = false;
  const data::SyntheticRunResult r = data::write_synthetic_task(dir, run);
  SyntheticSplits s;
  s.train = dir + "/train.h5";
  s.valid = dir + "/valid.h5";
  s.tokenizer = r.tokenizer_path;
  s.vocab_size = data::DatasetReader(s.train).info().vocab_size;
  s.length = length;
  return s;
}

// `model` plus the data, run folder and short-run options every tiny test run shares.
inline std::vector<std::string> with_run_overrides(std::vector<std::string> model, const SyntheticSplits& s,
                                                   const std::string& run_dir) {
  model.insert(model.end(), {"data.train=" + s.train, "data.valid=" + s.valid, "data.tokenizer=" + s.tokenizer,
                             "train.run_dir=" + run_dir, "train.batch_size=8", "train.epochs=1", "train.threads=1",
                             "optim.lr=1e-3", "log.every_steps=1"});
  return model;
}

// Overrides for a tiny pre-LN RoBERTa with span + answer-type heads on the splits, trained
// in `run_dir` (a few milliseconds per step).
inline std::vector<std::string> tiny_encoder_overrides(const SyntheticSplits& s, const std::string& run_dir) {
  return with_run_overrides(
         {"model.type=roberta",
          "model.vocab_size=" + std::to_string(s.vocab_size),
          "model.hidden_size=32",
          "model.num_layers=2",
          "model.num_heads=2",
          "model.d_kv=16",
          "model.d_ff=64",
          "model.pre_ln=true",
          "model.position_ids=sequential",
          "model.max_position_embeddings=" + std::to_string(s.length),
          "model.pad_token_id=0",
          "model.heads=[span, answer_type]",
          "schedule.warmup_steps=2"},
      s, run_dir);
}

// Overrides for a tiny T5 (seq2seq splits).
inline std::vector<std::string> tiny_t5_overrides(const SyntheticSplits& s, const std::string& run_dir) {
  return with_run_overrides(
         {"model.type=t5",
          "model.vocab_size=" + std::to_string(s.vocab_size),
          "model.hidden_size=32",
          "model.num_layers=2",
          "model.num_decoder_layers=2",
          "model.num_heads=2",
          "model.d_kv=16",
          "model.d_ff=64",
          "model.activation=relu",
          "model.pad_token_id=0",
          "model.eos_token_id=1",
          "model.decoder_start_token_id=0"},
      s, run_dir);
}

// Bitwise equality of two named-tensor files (model.h5, optimizer.h5); the first difference
// is reported.
inline ::testing::AssertionResult same_tensor_files(const std::string& a, const std::string& b) {
  const io::TensorFile x = io::read_tensor_file(a), y = io::read_tensor_file(b);
  if (x.tensors.size() != y.tensors.size())
    return ::testing::AssertionFailure() << a << " has " << x.tensors.size() << " tensors, " << b << " has "
                                         << y.tensors.size();
  for (size_t i = 0; i < x.tensors.size(); ++i) {
    const auto& [na, ta] = x.tensors[i];
    const auto& [nb, tb] = y.tensors[i];
    if (na != nb) return ::testing::AssertionFailure() << "tensor " << i << ": " << na << " vs " << nb;
    if (ta.dtype() != tb.dtype() || ta.shape() != tb.shape())
      return ::testing::AssertionFailure() << na << ": " << ta.describe() << " vs " << tb.describe();
    const Tensor ca = ta.contiguous(), cb = tb.contiguous();
    if (std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) != 0)
      return ::testing::AssertionFailure() << na << " differs between " << a << " and " << b;
  }
  return ::testing::AssertionSuccess();
}

// The bytes of a file ("" if it cannot be read).
inline std::string bytes_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every file under two folders (checkpoints: HDF5 timestamps are off), byte for byte.
inline ::testing::AssertionResult same_tree_bytes(const std::filesystem::path& a, const std::filesystem::path& b) {
  namespace fs = std::filesystem;
  auto files_of = [](const fs::path& root) {
    std::vector<fs::path> v;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file()) v.push_back(fs::relative(it->path(), root));
    std::sort(v.begin(), v.end());
    return v;
  };
  const std::vector<fs::path> fa = files_of(a), fb = files_of(b);
  if (fa.empty()) return ::testing::AssertionFailure() << a << " holds no files";
  if (fa != fb) return ::testing::AssertionFailure() << a << " and " << b << " hold different files";
  for (const fs::path& f : fa)
    if (bytes_of(a / f) != bytes_of(b / f)) return ::testing::AssertionFailure() << (a / f) << " and " << (b / f) << " differ";
  return ::testing::AssertionSuccess();
}

// Largest |a - b| over the tensors of two files of the same layout.
inline double max_tensor_file_diff(const std::string& a, const std::string& b) {
  const io::TensorFile x = io::read_tensor_file(a), y = io::read_tensor_file(b);
  EXPECT_EQ(x.tensors.size(), y.tensors.size());
  double m = 0;
  for (size_t i = 0; i < std::min(x.tensors.size(), y.tensors.size()); ++i) {
    const std::vector<double> u = x.tensors[i].second.to_vector<double>(), v = y.tensors[i].second.to_vector<double>();
    EXPECT_EQ(u.size(), v.size()) << x.tensors[i].first;
    for (size_t k = 0; k < std::min(u.size(), v.size()); ++k) m = std::max(m, std::abs(u[k] - v[k]));
  }
  return m;
}

struct Completed {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
};

// Runs `argv` with stdout and stderr captured (through files, so large outputs cannot block).
inline Completed run_program(const std::vector<std::string>& argv, const std::string& scratch_dir,
                             const std::vector<std::string>& env = {}) {
  const std::string out_path = scratch_dir + "/.stdout", err_path = scratch_dir + "/.stderr";
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen(out_path.c_str(), "w", stdout);
    std::freopen(err_path.c_str(), "w", stderr);
    for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::perror("execvp");
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  Completed c;
  c.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  std::ifstream o(out_path), e(err_path);
  std::stringstream so, se;
  so << o.rdbuf();
  se << e.rdbuf();
  c.out = so.str();
  c.err = se.str();
  return c;
}

inline std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Lines of a text file (0 if it is missing).
inline int64_t line_count(const std::string& path) {
  std::ifstream in(path);
  int64_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

inline bool program_exists(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

// mpirun with the flags a test machine needs: --oversubscribe (more processes than
// cores), and --allow-run-as-root when running as root (containers).
inline std::vector<std::string> mpirun_prefix(int processes) {
  std::vector<std::string> a = {"mpirun", "--oversubscribe", "-np", std::to_string(processes)};
  if (::geteuid() == 0) a.insert(a.begin() + 1, "--allow-run-as-root");
  return a;
}

}  // namespace vcc::train::testing
