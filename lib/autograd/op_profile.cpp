#include "autograd/op_profile.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>
#include <utility>

namespace vcc::profile {
namespace {

using Clock = std::chrono::steady_clock;

// Only the thread that started the profile writes this state (events from other threads,
// e.g. a data loader's, are ignored), so it needs no lock; `g_active` is read by all.
std::atomic<bool> g_active{false};
std::thread::id g_thread;
Device g_device = Device::cpu();
Clock::time_point g_last;
std::map<std::pair<std::string, Phase>, Row> g_rows;
std::vector<std::pair<const char*, Phase>> g_scopes;  // open scopes, innermost last

bool mine() { return g_active.load(std::memory_order_relaxed) && std::this_thread::get_id() == g_thread; }

Clock::time_point now() {
  synchronize(g_device);
  return Clock::now();
}

void add(const char* name, Phase phase, Clock::time_point t, bool call) {
  Row& r = g_rows[{name, phase}];
  if (r.name.empty()) {
    r.name = name;
    r.phase = phase;
  }
  r.ms += std::chrono::duration<double, std::milli>(t - g_last).count();
  if (call) ++r.calls;
  g_last = t;
}

// The interval that ends now and belongs to whatever is open (or to nothing in particular).
void charge_open(Clock::time_point t) {
  if (g_scopes.empty()) {
    add("host work between ops", Phase::Other, t, false);
  } else {
    add(g_scopes.back().first, g_scopes.back().second, t, false);
  }
}

}  // namespace

const char* phase_name(Phase phase) {
  static const char* names[] = {"forward", "backward", "recompute", "other"};
  return names[static_cast<int>(phase)];
}

void start(Device device) {
  g_rows.clear();
  g_scopes.clear();
  g_thread = std::this_thread::get_id();
  g_device = device;
  g_last = now();
  g_active.store(true);
}

std::vector<Row> stop() {
  g_active.store(false);
  std::vector<Row> rows;
  for (auto& [key, row] : g_rows) rows.push_back(std::move(row));
  g_rows.clear();
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ms > b.ms; });
  return rows;
}

std::string table(const std::vector<Row>& rows, int steps, int max_lines) {
  struct Line {
    std::string name;
    double ms[4] = {0, 0, 0, 0};  // by Phase
    double calls = 0;             // forward calls, else backward, else other
    double total() const { return ms[0] + ms[1] + ms[2] + ms[3]; }
  };
  std::vector<Line> lines;
  double sum = 0;
  for (const Row& r : rows) {
    auto it = std::find_if(lines.begin(), lines.end(), [&](const Line& l) { return l.name == r.name; });
    if (it == lines.end()) it = lines.insert(lines.end(), Line{r.name});
    it->ms[static_cast<int>(r.phase)] += r.ms / steps;
    if (r.phase == Phase::Forward || (it->calls == 0 && r.phase != Phase::Recompute))
      it->calls = static_cast<double>(r.calls) / steps;
    sum += r.ms / steps;
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.total() > b.total(); });
  if (static_cast<int>(lines.size()) > max_lines) {
    Line rest{"(" + std::to_string(lines.size() - max_lines + 1) + " more)"};
    for (size_t i = max_lines - 1; i < lines.size(); ++i)
      for (int p = 0; p < 4; ++p) rest.ms[p] += lines[i].ms[p];
    lines.resize(max_lines - 1);
    lines.push_back(rest);
  }
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %-34s %10s %10s %10s %10s %8s %10s %6s\n", "op or phase (ms per step)",
                phase_name(Phase::Forward), phase_name(Phase::Backward), phase_name(Phase::Recompute),
                phase_name(Phase::Other), "calls", "total", "share");
  out += buf;
  for (const Line& l : lines) {
    std::snprintf(buf, sizeof buf, "  %-34.34s %10.1f %10.1f %10.1f %10.1f %8.0f %10.1f %5.1f%%\n", l.name.c_str(), l.ms[0],
                  l.ms[1], l.ms[2], l.ms[3], l.calls, l.total(), sum > 0 ? 100.0 * l.total() / sum : 0.0);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "  %-34s %65.1f\n", "sum (the whole step)", sum);
  out += buf;
  return out;
}

bool active() { return g_active.load(std::memory_order_relaxed); }

void charge(const char* name) {
  if (mine()) add(name, Phase::Other, now(), true);
}

void restart_clock() {
  if (mine()) g_last = now();
}

void op_recorded(const char* op) {
  if (!mine()) return;
  // Inside a backward closure a forward op is a checkpointed region being re-run.
  const bool recompute = !g_scopes.empty() && g_scopes.back().second == Phase::Backward;
  add(op, recompute ? Phase::Recompute : Phase::Forward, now(), true);
}

Scope::Scope(const char* name, Phase phase) : on_(mine()) {
  if (!on_) return;
  charge_open(now());
  g_scopes.emplace_back(name, phase);
}

Scope::~Scope() {
  if (!on_ || g_scopes.empty()) return;
  const auto [name, phase] = g_scopes.back();
  add(name, phase, now(), true);
  g_scopes.pop_back();
}

}  // namespace vcc::profile
