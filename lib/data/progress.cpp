#include "data/progress.h"

#include <unistd.h>

#include <cstdio>

namespace vcc::data {
namespace {

std::string clock_text(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

}  // namespace

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::add(int64_t n) {
  done_ += n;
  if (!enabled_ || finished_) return;
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ >= std::chrono::milliseconds(200)) {
      last_draw_ = now;
      draw(false);
    }
  } else if (total_ > 0) {
    int decile = static_cast<int>(done_ * 10 / total_);
    if (decile != last_decile_ && decile < 10) {
      last_decile_ = decile;
      draw(false);
    }
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void Progress::draw(bool final) {
  const double t = elapsed_seconds();
  const double rate = t > 0 ? done_ / t : 0;
  const double pct = total_ > 0 ? 100.0 * done_ / total_ : 100.0;
  const int width = 24;
  const int filled = total_ > 0 ? static_cast<int>(width * done_ / total_) : width;
  std::string bar(static_cast<size_t>(std::min(filled, width)), '#');
  bar.resize(width, '.');
  std::string eta = final ? "done in " + clock_text(t)
                          : "ETA " + (rate > 0 ? clock_text((total_ - done_) / rate) : std::string("?"));
  std::fprintf(stderr, "%s%s [%s] %lld/%lld %5.1f%% %.1f/s %s%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(),
               static_cast<long long>(done_), static_cast<long long>(total_), pct, rate, eta.c_str(),
               tty_ && !final ? "\x1b[K" : "\n");
  std::fflush(stderr);
}

}  // namespace vcc::data
