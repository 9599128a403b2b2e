#pragma once
// A progress line on stderr for long runs: count/total, percentage, rate and ETA. On a
// terminal it redraws in place (at most 5 times a second); otherwise it prints a line
// at every 10% so logs stay short.
#include <chrono>
#include <cstdint>
#include <string>

namespace vcc::data {

class Progress {
 public:
  Progress(std::string label, int64_t total, bool enabled = true);
  ~Progress();  // finishes the line
  void add(int64_t n = 1);
  void finish();
  double elapsed_seconds() const;

 private:
  void draw(bool final);

  std::string label_;
  int64_t total_, done_ = 0;
  bool enabled_, tty_, finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace vcc::data
