#pragma once
// The training log: one aligned line per display step for people (stdout and
// <run>/train.log) and the same numbers as JSON lines for machines (<run>/metrics.jsonl,
// read by tools/plot_metrics.py):
//   [train] step    120/5000 | ep  1.20 | loss 2.3456 | gnorm  1.234 | lr 3.00e-04 |  123.4 ms/step |  12.3k tok/s | mem  1.23 GiB | ETA 1h02m
//   [valid] step    400/5000 | loss 1.2345 | em 85.20 | f1 88.10 | 200 ex in 3.2s | em 85.20 new best
//   [valid] step    500/5000 | loss 1.3000 | em 84.00 | f1 87.00 | 200 ex in 3.1s | em stalled 1/5 (best 85.20 at step 400)
//   {"type":"train","step":120,"epoch":1.2,"loss":2.3456,"grad_norm":1.234,"lr":0.0003,...}
//   {"type":"valid","step":400,"loss":1.2345,"em":85.2,"f1":88.1,"best":true,"stalled":0,...}
#include <cstdint>
#include <fstream>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace vcc::train {

struct TrainLine {
  int64_t step = 0, total = 0;
  double epoch = 0;            // fractional: epochs completed
  double loss = 0;             // mean over the display window
  double grad_norm = 0;        // mean over the window (before clipping)
  double lr = 0;               // of the last step
  double ms_per_step = 0;
  double tokens_per_s = 0;     // all processes together
  int64_t memory_bytes = 0;    // host RSS, or device memory in use
  double eta_seconds = 0;
  int64_t skipped = 0;         // steps skipped for NaN/Inf in the window
};

struct ValidLine {
  int64_t step = 0, total = 0;
  std::vector<std::pair<std::string, double>> metrics;  // loss first
  int64_t examples = 0;
  double seconds = 0;
  std::string metric;  // tracked for best / early stopping
  bool new_best = false;
  double best_value = 0;
  int64_t best_step = 0, stalled = 0, patience = 0;
};

std::string format_train_line(const TrainLine& line);
std::string format_valid_line(const ValidLine& line);
std::string train_json(const TrainLine& line);
std::string valid_json(const ValidLine& line);

// "45s", "12m05s", "3h02m", "2d04h".
std::string format_duration(double seconds);
// "512 MiB", "1.23 GiB".
std::string format_bytes(int64_t bytes);
// "950", "12.3k", "4.56M".
std::string format_count(double n);

// Sinks of one run folder (rank 0 only): lines go to `out` and to train.log, JSON to
// metrics.jsonl; both files are appended to and flushed per line.
class RunLog {
 public:
  RunLog() = default;
  // Opens the files of `run_dir`. With resume_step >= 0, JSON records of later steps (a run
  // resumed from an older checkpoint repeats them) are dropped from metrics.jsonl first.
  void open(const std::string& run_dir, std::ostream* out, int64_t resume_step = -1);
  bool is_open() const { return out_ != nullptr; }
  void line(const std::string& text);  // one human-readable line
  void json(const std::string& text);  // one JSON record
  void file_only(const std::string& text);  // train.log only (e.g. the full config)

 private:
  std::ostream* out_ = nullptr;
  std::ofstream log_, jsonl_;
};

// Rewrites a JSON-lines file without the records whose "step" is above `step` (atomically;
// lines that do not parse are kept). A missing file is left missing.
void truncate_metrics_after(const std::string& path, int64_t step);

}  // namespace vcc::train
