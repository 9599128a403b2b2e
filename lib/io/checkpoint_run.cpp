#include "io/checkpoint_run.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>

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

}  // namespace vcc::io
