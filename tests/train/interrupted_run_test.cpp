// A run killed at any moment leaves debris (unfinished checkpoint writes, checkpoints moved
// aside, half-deleted ones, stray link temporaries); the next start cleans it up, restores what
// was complete, points `last` at the newest complete checkpoint, and the resumed run ends with
// the same bytes as one that was never interrupted.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <regex>
#include <set>

#include "io/checkpoint.h"
#include "io/checkpoint_run.h"
#include "train_test_util.h"

using namespace vcc::train::testing;
namespace fs = std::filesystem;

namespace {

// The pid of a process that has exited (its debris belongs to nobody).
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return pid;
}

void copy_checkpoint(const fs::path& from, const fs::path& to, bool with_done) {
  fs::copy(from, to, fs::copy_options::recursive);
  if (!with_done) fs::remove(to / "DONE");
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> v;
  for (const auto& e : fs::directory_iterator(dir)) v.insert(e.path().filename().string());
  return v;
}

}  // namespace

TEST(InterruptedRun, TheNextStartCleansUpRestoresAndResumesExactly) {
  Scratch dir;
  const SyntheticSplits s = synthetic_splits(dir / "syn", 32, 8);
  auto train = [&](const std::string& run, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {bin("vcc-train"), "--set"};
    for (const std::string& o : concat(concat(tiny_encoder_overrides(s, dir / run),
                                              {"train.max_steps=6", "data.valid=", "checkpoint.every_steps=2",
                                               "checkpoint.keep_last=100"}),
                                       extra))
      argv.push_back(o);
    return run_program(argv, dir / "");
  };
  ASSERT_EQ(train("straight", {}).status, 0);
  const auto first = train("run", {"train.stop_at_step=4"});
  ASSERT_EQ(first.status, 0) << first.err;

  // The debris of a process killed while it replaced step 4 (moved aside, new copy written,
  // not yet renamed), after it had started step 6 and while a rotation deleted step 3; a
  // stray link temporary; `last` naming the half-deleted folder. Plus a write in progress by
  // a live process (this test), which must be left alone.
  const fs::path run = dir / "run";
  const std::string gone = std::to_string(dead_pid()), live = std::to_string(::getpid());
  fs::rename(run / "step-000004", run / ("step-000004.old-" + gone));
  copy_checkpoint(run / ("step-000004.old-" + gone), run / ("step-000004.tmp-" + gone), true);
  copy_checkpoint(run / "step-000002", run / ("step-000006.tmp-" + gone), false);
  copy_checkpoint(run / "step-000002", run / "step-000003", false);
  copy_checkpoint(run / "step-000002", run / ("step-000008.tmp-" + live), false);
  fs::create_directory_symlink("step-000006", run / (".last.tmp-" + gone));
  fs::remove(run / "last");
  fs::create_directory_symlink("step-000003", run / "last");
  std::ofstream(run / ("config.yaml.tmp-" + gone)) << "half";
  ASSERT_FALSE(vcc::io::is_complete_checkpoint(run / "last"));

  const auto resumed = train("run", {"train.resume=auto"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  const std::string& log = resumed.out;
  for (const std::string& line : std::vector<std::string>{
           "[run] cleanup after an interrupted run: restored step-000004 from step-000004.old-" + gone,
        "[run] cleanup after an interrupted run: removed step-000004.tmp-" + gone + " (unfinished write",
        "[run] cleanup after an interrupted run: removed step-000006.tmp-" + gone + " (unfinished write",
        "[run] cleanup after an interrupted run: removed .last.tmp-" + gone + " (unfinished write",
        "[run] cleanup after an interrupted run: removed config.yaml.tmp-" + gone + " (unfinished write",
        "[run] cleanup after an interrupted run: removed step-000003 (no DONE: an interrupted deletion",
        "[run] cleanup after an interrupted run: re-pointed last from step-000003 to step-000004",
        "from " + (run / "step-000004").string() + " at step 4"})
    EXPECT_NE(log.find(line), std::string::npos) << "missing: " << line << "\n" << log;
  EXPECT_EQ(names_in(run), (std::set<std::string>{"config.yaml", "last", "metrics.jsonl", "train.log", "step-000002",
                                                  "step-000004", "step-000006", "step-000008.tmp-" + live}));
  EXPECT_EQ(fs::read_symlink(run / "last"), "step-000006");
  EXPECT_TRUE(same_tree_bytes(run / "step-000006", dir / "straight/step-000006"));
}

TEST(InterruptedRun, CleanupOfAFolderWithoutDebrisDoesNothing) {
  Scratch dir;
  EXPECT_TRUE(vcc::io::clean_run_folder(dir / "missing").empty());
  fs::create_directories(dir / "run/step-000002");
  std::ofstream(dir / "run/step-000002/DONE") << "format_version: 1\n";
  fs::create_directory_symlink("step-000002", dir / "run/last");
  std::ofstream(dir / "run/notes.tmp-x") << "not ours";  // no pid: not debris
  std::ofstream(dir / "run/notes.old-" + std::to_string(dead_pid())) << "a user's file";  // not a name vcc writes
  EXPECT_TRUE(vcc::io::clean_run_folder(dir / "run").empty());
  EXPECT_EQ(names_in(dir / "run").size(), 4u);
}

namespace {

// The file-system calls a checkpoint write makes (what strace traces and kills at).
const std::string kFileCalls =
    "openat,write,pwrite64,fsync,fdatasync,rename,renameat,renameat2,mkdir,mkdirat,unlink,unlinkat,rmdir,symlink,"
    "symlinkat";

// LeakSanitizer cannot run under ptrace (the sanitizer build's programs would exit 1).
const std::vector<std::string> kUnderStrace = {"ASAN_OPTIONS=detect_leaks=0"};

struct KillPoint {
  std::string call;  // a syscall name
  int nth = 0;       // its invocation number in the main thread (strace's when=)
  std::string text;  // the traced line, for messages
};

// The kill points of the checkpoint write at `step` (its folder, rotation and links), from a
// strace log of a whole run: every call that is not a data write, and a few data writes.
std::vector<KillPoint> kill_points(const std::string& strace_log, const std::string& step_name,
                                   const std::string& rotated_name) {
  std::ifstream in(strace_log);
  std::string line;
  std::vector<KillPoint> calls;
  std::map<std::string, int> count;
  std::string main_pid;
  static const std::regex call_re(R"(^(\d+) +([a-z0-9_]+)\((.*))");
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, call_re)) continue;  // "<... resumed>", signals, exits
    if (main_pid.empty()) main_pid = m[1];
    if (m[1] != main_pid) continue;
    calls.push_back({m[2], ++count[m[2]], line});
  }
  size_t first = calls.size(), last = 0;
  for (size_t i = 0; i < calls.size(); ++i) {
    const std::string& t = calls[i].text;
    if (first == calls.size() && t.find(step_name + ".tmp-") != std::string::npos) first = i;
    if (first != calls.size() && (t.find(rotated_name) != std::string::npos || t.find("\"last\"") != std::string::npos))
      last = i;
  }
  std::vector<KillPoint> points, writes;
  for (size_t i = first; i <= last && i < calls.size(); ++i)
    (calls[i].call == "write" || calls[i].call == "pwrite64" ? writes : points).push_back(calls[i]);
  for (size_t k = 0; k < writes.size(); k += std::max<size_t>(1, writes.size() / 6)) points.push_back(writes[k]);
  return points;
}

}  // namespace

TEST(InterruptedRun, SigkillAtEachStepOfACheckpointWriteThenResumeEqualsAnUninterruptedRun) {
  Scratch dir;
  if (!program_exists("strace") || run_program({"strace", "-f", "-qq", "-o", "/dev/null", "true"}, dir / "").status != 0)
    GTEST_SKIP() << "strace is missing or may not trace here (tools/setup.sh installs it)";
  const SyntheticSplits s = synthetic_splits(dir / "syn", 32, 8);
  // keep_last 1: the write of step 4 also rotates step 2 away and moves `last`.
  auto train_argv = [&](const std::string& run, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {bin("vcc-train"), "--set"};
    for (const std::string& o :
         concat(concat(tiny_encoder_overrides(s, dir / run),
                       {"train.max_steps=6", "data.valid=", "checkpoint.every_steps=2", "checkpoint.keep_last=1"}),
                extra))
      argv.push_back(o);
    return argv;
  };
  ASSERT_EQ(run_program(train_argv("straight", {}), dir / "").status, 0);
  const std::string log = dir / "strace.log";
  const auto traced = run_program(
      concat({"strace", "-f", "-qq", "-o", log, "-e", "trace=" + kFileCalls}, train_argv("traced", {})), dir / "",
      kUnderStrace);
  ASSERT_EQ(traced.status, 0) << traced.err;
  const std::vector<KillPoint> points = kill_points(log, "step-000004", "step-000002");
  ASSERT_GE(points.size(), 10u) << "the strace log shows no checkpoint write of step 4";
  std::cout << "[ killing ] at " << points.size() << " file-system calls of the write of step 4" << std::endl;

  std::set<std::string> resumed_from;
  for (const KillPoint& p : points) {
    SCOPED_TRACE("SIGKILL at " + p.call + " #" + std::to_string(p.nth) + ": " + p.text);
    const std::string run = "kill-" + p.call + "-" + std::to_string(p.nth);
    const auto killed = run_program(concat({"strace", "-f", "-qq", "-o", "/dev/null", "-e",
                                            "trace=" + p.call, "-e",
                                            "inject=" + p.call + ":signal=SIGKILL:when=" + std::to_string(p.nth)},
                                           train_argv(run, {})),
                                    dir / "", kUnderStrace);
    ASSERT_EQ(killed.status, 128 + SIGKILL) << killed.out << killed.err;
    // Whatever was on disk, the newest complete checkpoint is 2 or 4, and the resume ends
    // where an uninterrupted run ends, byte for byte, leaving no debris.
    const auto resumed = run_program(train_argv(run, {"train.resume=auto"}), dir / "");
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    const size_t at = resumed.out.find(" at step ");
    if (at != std::string::npos) resumed_from.insert(resumed.out.substr(at + 9, 1));
    EXPECT_TRUE(same_tree_bytes(dir / (run + "/step-000006"), dir / "straight/step-000006"));
    EXPECT_EQ(names_in(dir / run),
              (std::set<std::string>{"config.yaml", "last", "metrics.jsonl", "train.log", "step-000006"}));
    EXPECT_EQ(fs::read_symlink(dir / (run + "/last")), "step-000006");
    fs::remove_all(dir / run);
  }
  // The kills fell both before and after the write of step 4 became complete.
  EXPECT_EQ(resumed_from, (std::set<std::string>{"2", "4"}));
}
