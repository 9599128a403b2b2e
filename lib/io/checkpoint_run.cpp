#include "io/checkpoint_run.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <regex>

#include <unistd.h>

#include "core/error.h"
#include "io/checkpoint.h"

namespace vcc::io {
namespace fs = std::filesystem;

std::string checkpoint_name(int64_t step) {
  VCC_CHECK(step >= 0, "checkpoint_name: step ", step);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "step-%06lld", static_cast<long long>(step));
  return buf;
}

std::optional<int64_t> parse_checkpoint_name(const std::string& name) {
  constexpr std::string_view prefix = "step-";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const char* b = name.data() + prefix.size();
  const char* e = name.data() + name.size();
  if (!std::all_of(b, e, [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  int64_t step = 0;
  auto [ptr, ec] = std::from_chars(b, e, step);
  if (ec != std::errc() || ptr != e) return std::nullopt;
  return step;
}

std::vector<CheckpointEntry> list_checkpoints(const std::string& run_dir) {
  std::vector<CheckpointEntry> out;
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
    const std::optional<int64_t> step = parse_checkpoint_name(entry.path().filename().string());
    if (step && is_complete_checkpoint(entry.path().string())) out.push_back({*step, entry.path().string()});
  }
  VCC_USER_CHECK(!ec, "cannot list run folder ", run_dir, ": ", ec.message());
  // Distinct names can share a step ("step-100" and "step-000100"); order those by path.
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.step != b.step ? a.step < b.step : a.path < b.path; });
  return out;
}

std::optional<CheckpointEntry> find_latest_checkpoint(const std::string& run_dir) {
  std::vector<CheckpointEntry> all = list_checkpoints(run_dir);
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::vector<std::string> rotate_checkpoints(const std::string& run_dir, int keep_last,
                                            std::optional<int64_t> best_step) {
  std::vector<std::string> removed;
  if (keep_last <= 0) return removed;
  const std::vector<CheckpointEntry> all = list_checkpoints(run_dir);
  const size_t first_kept = all.size() > static_cast<size_t>(keep_last) ? all.size() - keep_last : 0;
  for (size_t i = 0; i < first_kept; ++i) {
    if (best_step && all[i].step == *best_step) continue;
    std::error_code ec;
    // DONE goes first: if deletion stops part way, the remains no longer look complete.
    fs::remove(fs::path(all[i].path) / "DONE", ec);
    if (!ec) fs::remove_all(all[i].path, ec);
    VCC_USER_CHECK(!ec, "cannot delete old checkpoint ", all[i].path, ": ", ec.message());
    removed.push_back(all[i].path);
  }
  return removed;
}

namespace {

// Whether `pid` is a process other than this one that is still running (its debris may be a
// write in progress).
bool other_live_process(int64_t pid) {
  if (pid <= 0 || pid == ::getpid()) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::string size_text(const fs::path& p) {
  std::error_code ec;
  uintmax_t bytes = 0;
  if (fs::is_directory(fs::symlink_status(p, ec))) {
    for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec)) bytes += it->file_size(ec);
  } else if (fs::is_regular_file(fs::symlink_status(p, ec))) {
    bytes = fs::file_size(p, ec);
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace

std::vector<std::string> clean_run_folder(const std::string& run_dir) {
  std::vector<std::string> done;
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) return done;
  const fs::path root(run_dir);
  auto remove = [&](const fs::path& p, const std::string& why) {
    const std::string size = size_text(p);
    std::error_code e;
    fs::remove_all(p, e);
    VCC_USER_CHECK(!e, "cannot remove ", p.string(), " (", why, ") from run folder ", run_dir, ": ", e.message());
    done.push_back("removed " + p.filename().string() + " (" + why + ", " + size + ")");
  };

  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(root, ec)) entries.push_back(e.path());
  VCC_USER_CHECK(!ec, "cannot list run folder ", run_dir, ": ", ec.message());
  std::sort(entries.begin(), entries.end());

  // ".old" first: it may be the only complete copy of its step.
  static const std::regex debris(R"((.+)\.(tmp|old)-([0-9]+))");
  for (const char* kind : {"old", "tmp"})
    for (const fs::path& p : entries) {
      std::smatch m;
      const std::string name = p.filename().string();
      if (!std::regex_match(name, m, debris) || m[2] != kind || !fs::exists(fs::symlink_status(p, ec))) continue;
      // Only what vcc writes here: checkpoints, the links' temporaries, the run's own files.
      const std::string base = m[1].str();
      if (!parse_checkpoint_name(base) && base != ".last" && base != ".best" && base != "config.yaml" &&
          base != "metrics.jsonl")
        continue;
      if (other_live_process(std::stoll(m[3].str()))) continue;
      const fs::path target = root / m[1].str();
      if (m[2] == "old" && is_complete_checkpoint(p.string()) && !is_complete_checkpoint(target.string())) {
        std::error_code e;
        fs::remove_all(target, e);
        if (!e) fs::rename(p, target, e);
        VCC_USER_CHECK(!e, "cannot restore ", p.string(), " as ", target.string(), ": ", e.message());
        done.push_back("restored " + target.filename().string() + " from " + name + " (its replacement was interrupted)");
        continue;
      }
      remove(p, m[2] == "tmp" ? "unfinished write" : "replaced checkpoint");
    }

  for (const fs::path& p : entries)
    if (parse_checkpoint_name(p.filename().string()) && fs::is_directory(fs::symlink_status(p, ec)) &&
        !is_complete_checkpoint(p.string()))
      remove(p, "no DONE: an interrupted deletion");

  // The links: "last" names the newest complete checkpoint; "best" only a complete one.
  const std::optional<CheckpointEntry> latest = find_latest_checkpoint(run_dir);
  const fs::path last = root / "last", best = root / "best";
  if (fs::is_symlink(last, ec) || latest) {
    const std::string want = latest ? fs::path(latest->path).filename().string() : "";
    const std::string have = fs::is_symlink(last, ec) ? fs::read_symlink(last, ec).string() : "";
    if (have != want) {
      std::error_code e;
      fs::remove(last, e);
      if (!want.empty()) fs::create_directory_symlink(want, last, e);
      VCC_USER_CHECK(!e, "cannot update ", last.string(), ": ", e.message());
      if (!have.empty()) done.push_back("re-pointed last from " + have + " to " + (want.empty() ? "nothing" : want));
    }
  }
  if (fs::is_symlink(best, ec) && !is_complete_checkpoint(best.string())) {
    std::error_code e;
    const std::string have = fs::read_symlink(best, e).string();
    fs::remove(best, e);
    done.push_back("removed the best link (" + have + " is not a complete checkpoint)");
  }
  return done;
}

}  // namespace vcc::io
