// The binaries end to end: vcc-preprocess synthetic -> vcc-train -> vcc-eval run; HotpotQA
// prediction files; SIGTERM and --resume auto on the real process; bad inputs to vcc-eval.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "io/checkpoint_run.h"
#include "train_test_util.h"

using namespace vcc::train::testing;
namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::vector<std::string> set_args(const std::vector<std::string>& overrides) {
  std::vector<std::string> a = {"--set"};
  a.insert(a.end(), overrides.begin(), overrides.end());
  return a;
}

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST(EndToEnd, PreprocessTrainEvaluate) {
  Scratch dir;
  const auto pre = run_program({bin("vcc-preprocess"), "synthetic", "--out-dir", dir / "syn", "--length", "64",
                                "--train", "48", "--valid", "12", "--seed", "3", "--facts", "4", "--keys", "64",
                                "--values", "16", "--quiet"},
                               dir / "");
  ASSERT_EQ(pre.status, 0) << pre.err;
  SyntheticSplits s;
  s.train = dir / "syn/train.h5";
  s.valid = dir / "syn/valid.h5";
  s.tokenizer = dir / "syn/tokenizer.model";
  s.vocab_size = vcc::data::DatasetReader(s.train).info().vocab_size;
  s.length = 64;
  const auto tr = run_program(cat({bin("vcc-train")}, set_args(cat(tiny_encoder_overrides(s, dir / "run"),
                                                                   {"train.max_steps=4", "valid.metric=f1"}))),
                              dir / "");
  ASSERT_EQ(tr.status, 0) << tr.err << tr.out;
  EXPECT_NE(tr.out.find("[train] step 4/4"), std::string::npos) << tr.out;
  EXPECT_NE(tr.out.find("[valid] step 4/4"), std::string::npos) << tr.out;
  EXPECT_NE(tr.out.find("[done] 4 steps"), std::string::npos) << tr.out;

  const auto ev = run_program({bin("vcc-eval"), "run", "--model", dir / "run/best", "--data", s.valid, "--out",
                               dir / "eval", "--quiet", "--rouge"},
                              dir / "");
  ASSERT_EQ(ev.status, 0) << ev.err;
  const nlohmann::json printed = nlohmann::json::parse(ev.out);
  const nlohmann::json metrics = read_json(dir / "eval/metrics.json");
  EXPECT_EQ(printed, metrics);
  EXPECT_EQ(metrics["examples"], 12);
  EXPECT_EQ(metrics["task"], "qa_extractive");
  for (const char* k : {"em", "f1", "rouge1", "rougeL"}) {
    ASSERT_TRUE(metrics.contains(k)) << k;
    EXPECT_GE(metrics[k].get<double>(), 0.0);
    EXPECT_LE(metrics[k].get<double>(), 100.0);
  }
  // tools/plot_metrics.py draws the run (when a Python with matplotlib is installed).
  for (const std::string py : {"python3", "/usr/bin/python3"}) {
    if (run_program({py, "-c", "import matplotlib"}, dir / "").status != 0) continue;
    const auto plot = run_program({py, source("tools/plot_metrics.py"), dir / "run", "--out", dir / "curves.png"}, dir / "");
    EXPECT_EQ(plot.status, 0) << plot.err;
    EXPECT_GT(fs::file_size(dir / "curves.png"), 10000u);
    break;
  }
  // {id: answer} for non-HotpotQA splits, and the vcc-eval score input format.
  const nlohmann::json preds = read_json(dir / "eval/predictions.json");
  EXPECT_EQ(preds.size(), 12u);
  EXPECT_TRUE(preds.contains("synthetic-1-0"));
  std::ifstream pairs(dir / "eval/predictions.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(pairs, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_TRUE(j.contains("id") && j.contains("prediction") && j["references"].is_array());
    ++n;
  }
  EXPECT_EQ(n, 12);
  // Re-scoring the pairs with `vcc-eval score` reproduces EM/F1 (score prints fractions,
  // run percent).
  const auto sc = run_program({bin("vcc-eval"), "score", "--input", dir / "eval/predictions.jsonl", "--metrics", "squad"},
                              dir / "");
  ASSERT_EQ(sc.status, 0) << sc.err;
  const nlohmann::json rescored = nlohmann::json::parse(sc.out);
  EXPECT_NEAR(100.0 * rescored["em"].get<double>(), metrics["em"].get<double>(), 1e-9) << sc.out;
  EXPECT_NEAR(100.0 * rescored["f1"].get<double>(), metrics["f1"].get<double>(), 1e-9) << sc.out;
}

TEST(EndToEnd, HotpotQaPredictionsInTheOfficialFormat) {
  Scratch dir;
  const std::string sample = source("datasets/hotpotqa/hotpot_dev_distractor_v1_100.json");
  const std::string spm = source("datasets/sentencepiece/t5-spiece.model");
  const auto pre = run_program({bin("vcc-preprocess"), "hotpotqa", "--input", sample, "--tokenizer", spm, "--out",
                                dir / "hp.h5", "--max-length", "128", "--task", "qa_extractive", "--limit", "16",
                                "--quiet"},
                               dir / "");
  ASSERT_EQ(pre.status, 0) << pre.err;
  SyntheticSplits s;
  s.train = s.valid = dir / "hp.h5";
  s.tokenizer = spm;
  s.vocab_size = vcc::data::DatasetReader(s.train).info().vocab_size;
  s.length = 128;
  const auto tr = run_program(cat({bin("vcc-train")}, set_args(cat(tiny_encoder_overrides(s, dir / "run"),
                                                                   {"train.max_steps=1", "schedule.warmup_steps=0", "valid.predict=false"}))),
                              dir / "");
  ASSERT_EQ(tr.status, 0) << tr.err;
  const auto ev = run_program({bin("vcc-eval"), "run", "--model", dir / "run/last", "--data", s.valid, "--out",
                               dir / "eval", "--quiet", "--hotpotqa-gold", sample},
                              dir / "");
  ASSERT_EQ(ev.status, 0) << ev.err;
  const nlohmann::json preds = read_json(dir / "eval/predictions.json");
  ASSERT_TRUE(preds.contains("answer") && preds.contains("sp")) << preds.dump();
  EXPECT_EQ(preds["answer"].size(), 16u);
  EXPECT_EQ(preds["sp"].size(), 16u);
  // The official prediction file is accepted by the official scorer (vcc-eval score).
  const auto sc = run_program({bin("vcc-eval"), "score", "--hotpotqa-gold", sample, "--hotpotqa-pred",
                               dir / "eval/predictions.json"},
                              dir / "");
  EXPECT_EQ(sc.status, 0) << sc.err;
  const nlohmann::json metrics = read_json(dir / "eval/metrics.json");
  ASSERT_TRUE(metrics.contains("hotpotqa_official")) << metrics.dump();
  EXPECT_TRUE(metrics["hotpotqa_official"].contains("joint_f1"));

  // A truncated gold file: one line naming the file and position, nothing written.
  std::ifstream in(sample);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const std::string broken = dir.write("broken_gold.json", text.substr(0, text.size() / 3));
  const auto bad = run_program({bin("vcc-eval"), "run", "--model", dir / "run/last", "--data", s.valid, "--out",
                                dir / "eval2", "--quiet", "--hotpotqa-gold", broken},
                               dir / "");
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  EXPECT_NE(bad.err.find("broken_gold.json"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("malformed JSON"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir / "eval2/metrics.json"));
}

TEST(EndToEnd, EvalRunErrorsNameTheInput) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 16, 8);
  const auto tr = run_program(cat({bin("vcc-train")}, set_args(cat(tiny_encoder_overrides(s, dir / "run"),
                                                                   {"train.max_steps=1", "schedule.warmup_steps=0", "data.valid="}))),
                              dir / "");
  ASSERT_EQ(tr.status, 0) << tr.err;
  // No checkpoint there.
  auto r = run_program({bin("vcc-eval"), "run", "--model", dir / "nothing", "--data", s.valid, "--out", dir / "e", "--quiet"},
                       dir / "");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(dir / "nothing"), std::string::npos) << r.err;
  // A truncated split.
  fs::copy_file(s.valid, dir / "cut.h5");
  fs::resize_file(dir / "cut.h5", fs::file_size(dir / "cut.h5") / 2);
  r = run_program({bin("vcc-eval"), "run", "--model", dir / "run/last", "--data", dir / "cut.h5", "--out", dir / "e",
                   "--quiet"},
                  dir / "");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cut.h5"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir / "e/predictions.json"));
  // Model overrides are limited to model.*.
  r = run_program({bin("vcc-eval"), "run", "--model", dir / "run/last", "--data", s.valid, "--out", dir / "e", "--quiet",
                   "--set", "optim.lr=1"},
                  dir / "");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("only model.* options"), std::string::npos) << r.err;
}

TEST(EndToEnd, SigtermSavesAndResumeAutoFinishes) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 64, 8);
  const std::vector<std::string> args =
      cat({bin("vcc-train")}, set_args(cat(tiny_encoder_overrides(s, dir / "run"),
                                           {"train.max_steps=150", "data.valid=", "checkpoint.every_steps=1000"})));
  int pipe_fd[2];
  ASSERT_EQ(::pipe(pipe_fd), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fd[1], 1);
    ::close(pipe_fd[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fd[1]);
  // Wait for the first training line, then ask the process to stop.
  std::string seen;
  char buf[256];
  while (seen.find("[train] step") == std::string::npos) {
    const ssize_t n = ::read(pipe_fd[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, n);
  }
  ASSERT_NE(seen.find("[train] step"), std::string::npos) << seen;
  ::kill(pid, SIGTERM);
  while (true) {
    const ssize_t n = ::read(pipe_fd[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, n);
  }
  ::close(pipe_fd[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFEXITED(st)) << seen;
  EXPECT_EQ(WEXITSTATUS(st), 128 + SIGTERM) << seen;
  EXPECT_NE(seen.find("stopped by SIGTERM"), std::string::npos) << seen;
  const auto saved = vcc::io::find_latest_checkpoint(dir / "run");
  ASSERT_TRUE(saved.has_value());
  EXPECT_LT(saved->step, 150);
  // The same command with --resume auto picks it up and finishes.
  const auto resumed = run_program(cat(args, {"--resume", "auto"}), dir / "");
  EXPECT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resumed"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("[done] 150 steps"), std::string::npos) << resumed.out;
}
