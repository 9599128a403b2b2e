#pragma once
// The checkpoints of one run folder: "step-000100"-style names, finding the newest complete
// one to resume from, and rotation (keep the last N plus the best).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vcc::io {

// "step-000100": at least six digits, more when the step needs them.
std::string checkpoint_name(int64_t step);
// The step of a checkpoint folder name; nullopt for anything else (including temporary
// "step-000100.tmp-123" folders of a write in progress).
std::optional<int64_t> parse_checkpoint_name(const std::string& name);

struct CheckpointEntry {
  int64_t step;
  std::string path;
};

// Complete checkpoints (with DONE) of `run_dir`, by increasing step; [] if the folder does
// not exist.
std::vector<CheckpointEntry> list_checkpoints(const std::string& run_dir);
// The complete checkpoint with the highest step, if any.
std::optional<CheckpointEntry> find_latest_checkpoint(const std::string& run_dir);

// Deletes complete checkpoints except the `keep_last` newest and the one of `best_step`;
// keep_last <= 0 keeps everything. Incomplete or unrecognised folders are never touched
// (a write in progress, or something the run does not own). Returns the deleted paths.
std::vector<std::string> rotate_checkpoints(const std::string& run_dir, int keep_last,
                                            std::optional<int64_t> best_step = std::nullopt);

// What a killed or failed run leaves in its folder, cleaned up at the next start (by the one
// process that writes the folder):
//  - "NAME.tmp-PID" (a checkpoint folder or file being written) and "NAME.old-PID" (a
//    checkpoint moved aside to be replaced), NAME one vcc writes there (step-N, .last,
//    .best, config.yaml, metrics.jsonl): removed, unless PID is another live process;
//    an ".old" folder goes back to NAME first when NAME is missing or incomplete;
//  - "step-N" folders without DONE (a deletion by rotation stopped part way): removed;
//  - the "last" link re-pointed at the newest complete checkpoint, and a "best" link
//    that names no complete checkpoint removed.
// Returns one line per action ("removed step-000004.tmp-123 (3.3 MB)").
std::vector<std::string> clean_run_folder(const std::string& run_dir);

}  // namespace vcc::io
